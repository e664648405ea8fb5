// Checks the schema cannot express on its own: references between parts of the scenario (terminal indices within
// the fleet, fault windows, a rate the load can reach, toxic attributes against the proxy's registry). They read
// the raw file, not the parsed scenario, so that they still run when the schema found mistakes elsewhere: a file
// with both kinds of mistake gets every one at once. A value of the wrong shape is skipped (the schema reports it).
import { parseDuration } from './duration';
import { fleetProblems } from './fleet-checks';
import { toxicProblems } from './toxic-checks';

export interface SemanticProblem {
  path: (string | number)[];
  message: string;
}

type Raw = Record<string, unknown>;
const obj = (x: unknown): Raw | undefined => (x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Raw) : undefined);
const int = (x: unknown): number | undefined => (typeof x === 'number' && Number.isInteger(x) ? x : undefined);
const dur = (x: unknown): number | undefined => (typeof x === 'string' ? (parseDuration(x) ?? undefined) : undefined);

export function semanticProblems(raw: unknown): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const add = (path: (string | number)[], message: string) => problems.push({ path, message });
  const s = obj(raw) ?? {};
  const fleet = obj(s.fleet) ?? {};
  const facts = fleetProblems(s.fleet, add);
  const n = facts.size;

  const indexCheck = (list: unknown[], path: (string | number)[]) => {
    if (n === undefined) return;
    list.forEach((i, k) => {
      if (typeof i === 'number' && i >= n) add([...path, k], `terminal index ${i} is outside the fleet (0 to ${n - 1})`);
    });
  };

  const faults = Array.isArray(s.faults) ? s.faults : [];
  faults.forEach((rawFault, i) => {
    const f = obj(rawFault);
    if (!f) return;
    const at = obj(f.at);
    const from = at ? dur(at.from) : undefined;
    const to = at ? dur(at.to) : undefined;
    if (from !== undefined && to !== undefined && from > to) add(['faults', i, 'at'], 'from must not be later than to');
    if ((int(f.times) ?? 1) > 1 && typeof f.at === 'string') add(['faults', i, 'times'], 'several occurrences need a window: at: { from: ..., to: ... }');
    if ((f.kind === 'stan-reset' || f.kind === 'rotate-keys') && f.for !== undefined) add(['faults', i, 'for'], `a ${f.kind} happens at one instant; remove "for"`);
    if (f.kind === 'printer') {
      if (!facts.anyVirtual) add(['faults', i, 'fault'], "printer faults need virtual printers: fleet.printers.sink: virtual, or a group's printers.sink: virtual");
      else if (Array.isArray(f.terminals) && facts.printerAt) {
        f.terminals.forEach((t, k) => {
          const at = typeof t === 'number' && n !== undefined && t < n ? facts.printerAt?.(t) : undefined;
          if (at && !at.virtual) add(['faults', i, 'terminals', k], `terminal ${t} (${at.label}) has a journal printer; printer faults need a virtual one`);
        });
      }
      if (f.slowBy !== undefined && f.fault !== 'slow') add(['faults', i, 'slowBy'], `slowBy is for fault: slow, not ${String(f.fault)}`);
    }
    if (f.kind === 'toxic') for (const p of toxicProblems(f.type, f.attributes)) add(['faults', i, ...p.path], p.message);
    if (Array.isArray(f.terminals)) indexCheck(f.terminals, ['faults', i, 'terminals']);
    const count = int(obj(f.terminals)?.count);
    // Printer faults draw among the terminals with virtual printers only.
    const pool = f.kind === 'printer' ? facts.virtualCount : n;
    if (count !== undefined && pool !== undefined && count > pool) {
      add(['faults', i, 'terminals', 'count'], `${count} terminals asked for, ${pool === n ? `the fleet has ${n}` : `${pool} of the fleet's ${String(n)} have virtual printers`}`);
    }
  });

  const seen = new Set<unknown>();
  (Array.isArray(fleet.sharedIds) ? fleet.sharedIds : []).forEach((group, g) => {
    if (!Array.isArray(group)) return;
    indexCheck(group, ['fleet', 'sharedIds', g]);
    if (group.length === 2 && group[0] === group[1]) add(['fleet', 'sharedIds', g], 'a pair names two different terminals');
    group.forEach((i, k) => {
      if (seen.has(i)) add(['fleet', 'sharedIds', g, k], `terminal index ${String(i)} is already in a pair`);
      seen.add(i);
    });
  });

  const latency = obj(obj(s.issuer)?.latency);
  const lMin = dur(latency?.min);
  const lMax = dur(latency?.max);
  if (lMin !== undefined && lMax !== undefined && lMin > lMax) add(['issuer', 'latency'], `min (${String(latency?.min)}) must not exceed max (${String(latency?.max)})`);
  const saf = obj(obj(s.switch)?.saf);
  const interval = dur(saf?.interval);
  const maxInterval = dur(saf?.maxInterval);
  if (interval !== undefined && maxInterval !== undefined && interval > maxInterval) {
    add(['switch', 'saf'], `interval (${String(saf?.interval)}) must not exceed maxInterval (${String(saf?.maxInterval)})`);
  }

  if (obj(s.slos)?.settlementFailures !== undefined && s.settlement !== true) add(['slos', 'settlementFailures'], 'needs settlement: true');
  const load = obj(s.load) ?? {};
  if (load.rate === undefined && Array.isArray(load.stages) && load.stages.length > 0) {
    const peak = Math.max(0, ...load.stages.map((st) => (typeof obj(st)?.rate === 'number' ? (obj(st)?.rate as number) : 0)));
    if (peak <= 0) add(['load', 'stages'], 'at least one stage needs a rate above 0');
  }
  const cards = int(load.cards);
  const accounts = obj(s.issuer)?.accounts === undefined ? 1000 : int(obj(s.issuer)?.accounts);
  if (cards !== undefined && accounts !== undefined && cards > accounts) add(['load', 'cards'], `${cards} cards asked for, the issuer has ${accounts} accounts (issuer.accounts)`);
  return problems;
}
