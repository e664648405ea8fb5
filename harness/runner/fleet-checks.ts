// The fleet's cross-setting checks, on the raw file like the rest of scenario-checks.ts: one form or the other
// (the one-range shorthand or groups), 8-digit ids, ranges that do not overlap, the fleet's size, paperAfter only
// with virtual printers. Also says what the fault checks need to know: the fleet's size and which terminals have
// virtual printers (undefined when the file is too broken to tell).

export type AddProblem = (path: (string | number)[], message: string) => void;

export interface FleetFacts {
  /** Terminals in the whole fleet. */
  size?: number;
  /** Some terminal has a virtual printer (printer faults need one). */
  anyVirtual: boolean;
  /** Per fleet index: does it have a virtual printer, and which group it is in (for messages). */
  printerAt?: (index: number) => { virtual: boolean; label: string };
  /** Terminals with virtual printers: what a printer fault's { count } draws from. */
  virtualCount?: number;
}

type Raw = Record<string, unknown>;
const obj = (x: unknown): Raw | undefined => (x !== null && typeof x === 'object' && !Array.isArray(x) ? (x as Raw) : undefined);
const int = (x: unknown): number | undefined => (typeof x === 'number' && Number.isInteger(x) ? x : undefined);
const idOf = (x: unknown): number | undefined => (typeof x === 'string' && /^\d{8}$/.test(x) ? Number(x) : undefined);
const id8 = (n: number) => String(n).padStart(8, '0');

export const MAX_FLEET = 50_000;
const SHORTHAND_KEYS = ['terminals', 'firstId', 'merchantId', 'merchantName', 'mode'] as const;

interface Range {
  path: (string | number)[];
  label: string;
  first?: number;
  count?: number;
  virtual: boolean;
}

export function fleetProblems(rawFleet: unknown, add: AddProblem): FleetFacts {
  const fleet = obj(rawFleet);
  if (!fleet) return { anyVirtual: false };
  const printers = obj(fleet.printers) ?? {};
  const fleetVirtual = printers.sink === 'virtual';
  if (printers.paperAfter !== undefined && !fleetVirtual) add(['fleet', 'printers', 'paperAfter'], 'paperAfter needs sink: virtual');

  const ranges: Range[] = [];
  if (fleet.groups !== undefined) {
    for (const key of SHORTHAND_KEYS) {
      if (fleet[key] !== undefined) add(['fleet', key], `"${key}" is the one-range form; with groups, give it in each group (fleet.groups[n].${key})`);
    }
    (Array.isArray(fleet.groups) ? fleet.groups : []).forEach((raw, n) => {
      const g = obj(raw);
      if (!g) return;
      const own = obj(g.printers) ?? {};
      const virtual = (own.sink ?? printers.sink) === 'virtual';
      if (own.paperAfter !== undefined && !virtual) add(['fleet', 'groups', n, 'printers', 'paperAfter'], 'paperAfter needs sink: virtual (in the group or in fleet.printers)');
      ranges.push({ path: ['fleet', 'groups', n], label: `fleet.groups[${n}]`, first: idOf(g.firstId), count: int(g.terminals), virtual });
    });
  } else if (fleet.terminals === undefined) {
    add(['fleet'], 'give terminals (one id range) or groups (several id ranges, each with its own mode and merchant)');
  } else {
    const first = fleet.firstId === undefined ? 10_000_001 : idOf(fleet.firstId);
    ranges.push({ path: ['fleet'], label: 'fleet', first, count: int(fleet.terminals), virtual: fleetVirtual });
  }

  for (const r of ranges) {
    if (r.first !== undefined && r.count !== undefined && r.first + r.count - 1 > 99_999_999) {
      add([...r.path, 'firstId'], `${r.count} terminals from ${id8(r.first)} run past 99999999 (terminal ids have 8 digits): start at ${100_000_000 - r.count} at most`);
    }
  }
  ranges.forEach((b, j) => {
    if (b.first === undefined || b.count === undefined) return;
    const bLast = b.first + b.count - 1;
    const a = ranges.slice(0, j).find((x) => x.first !== undefined && x.count !== undefined && x.first <= bLast && b.first! <= x.first + x.count - 1);
    if (!a) return;
    const aLast = a.first! + a.count! - 1;
    const lo = Math.max(a.first!, b.first);
    const hi = Math.min(aLast, bLast);
    add([...b.path, 'firstId'], `ids ${id8(lo)}-${id8(hi)} are also in ${a.label} (ids ${id8(a.first!)}-${id8(aLast)}): the groups' ranges overlap`);
  });

  const anyVirtual = ranges.some((r) => r.virtual);
  if (ranges.length === 0 || ranges.some((r) => r.count === undefined)) return { anyVirtual };
  const size = ranges.reduce((n, r) => n + (r.count as number), 0);
  if (ranges.length > 1 && size > MAX_FLEET) add(['fleet', 'groups'], `the groups hold ${size} terminals; a fleet has at most ${MAX_FLEET}`);
  const printerAt = (index: number) => {
    let first = 0;
    for (const r of ranges) {
      if (index < first + (r.count as number)) return { virtual: r.virtual, label: r.label };
      first += r.count as number;
    }
    return { virtual: false, label: 'fleet' };
  };
  const virtualCount = ranges.reduce((n, r) => n + (r.virtual ? (r.count as number) : 0), 0);
  return { size, anyVirtual, printerAt, virtualCount };
}
