// Checks the schema cannot express on its own: references between parts of the scenario (terminal indices within
// the fleet, fault windows, a rate the load can reach).
import type { Scenario } from './scenario-schema';

export interface SemanticProblem {
  path: (string | number)[];
  message: string;
}

export function semanticProblems(s: Scenario): SemanticProblem[] {
  const problems: SemanticProblem[] = [];
  const n = s.fleet.terminals;
  const indexCheck = (list: number[], path: (string | number)[]) => {
    list.forEach((i, k) => {
      if (i >= n) problems.push({ path: [...path, k], message: `terminal index ${i} is outside the fleet (0 to ${n - 1})` });
    });
  };
  s.faults.forEach((f, i) => {
    if (typeof f.at !== 'number' && f.at.from > f.at.to) {
      problems.push({ path: ['faults', i, 'at'], message: 'from must not be later than to' });
    }
    if ((f.times ?? 1) > 1 && typeof f.at === 'number') {
      problems.push({ path: ['faults', i, 'times'], message: 'several occurrences need a window: at: { from: ..., to: ... }' });
    }
    if ((f.kind === 'stan-reset' || f.kind === 'rotate-keys') && f.for !== undefined) {
      problems.push({ path: ['faults', i, 'for'], message: `a ${f.kind} happens at one instant; remove "for"` });
    }
    if (f.kind === 'printer' && s.fleet.printers.sink !== 'virtual') {
      problems.push({ path: ['faults', i, 'fault'], message: 'printer faults need fleet.printers.sink: virtual' });
    }
    if ('terminals' in f && Array.isArray(f.terminals)) indexCheck(f.terminals, ['faults', i, 'terminals']);
  });
  const seen = new Set<number>();
  (s.fleet.sharedIds ?? []).forEach((group, g) => {
    indexCheck(group, ['fleet', 'sharedIds', g]);
    if (group[0] === group[1]) problems.push({ path: ['fleet', 'sharedIds', g], message: 'a pair names two different terminals' });
    group.forEach((i, k) => {
      if (seen.has(i)) problems.push({ path: ['fleet', 'sharedIds', g, k], message: `terminal index ${i} is already in a pair` });
      seen.add(i);
    });
  });
  if (s.fleet.printers.paperAfter !== undefined && s.fleet.printers.sink !== 'virtual') {
    problems.push({ path: ['fleet', 'printers', 'paperAfter'], message: 'paperAfter needs sink: virtual' });
  }
  if (s.slos.settlementFailures && !s.settlement) {
    problems.push({ path: ['slos', 'settlementFailures'], message: 'needs settlement: true' });
  }
  const stagesPeak = Math.max(0, ...(s.load.stages ?? []).map((st) => st.rate));
  if (s.load.rate === undefined && stagesPeak <= 0) {
    problems.push({ path: ['load', 'stages'], message: 'at least one stage needs a rate above 0' });
  }
  return problems;
}
