// A toxic fault's type and attributes checked before anything starts, against the proxy's own toxic registry
// (names, integer kinds, bounds), so that the scenario check and the proxy never drift apart. A real Toxiproxy
// ignores an attribute it does not know: a misspelt "latncy" would otherwise run a scenario with no latency at all.
import { allToxics, findToxic } from '../../proxies/toxics/registry';

export interface ToxicProblem {
  /** Relative to the fault: ['type'] or ['attributes', name]. */
  path: (string | number)[];
  message: string;
}

export function toxicTypes(): string[] {
  return allToxics().map((d) => d.type).sort();
}

export function toxicProblems(type: unknown, attributes: unknown): ToxicProblem[] {
  if (typeof type !== 'string') return []; // the schema reports a missing or non-text type
  const def = findToxic(type);
  if (!def) return [{ path: ['type'], message: `unknown toxic type "${type}" (expected one of: ${toxicTypes().join(', ')})` }];
  attributes ??= {};
  if (attributes === null || typeof attributes !== 'object' || Array.isArray(attributes)) return []; // the schema says so
  const problems: ToxicProblem[] = [];
  const known = def.attributes.map((s) => s.name);
  const merged: Record<string, number> = {};
  for (const spec of def.attributes) merged[spec.name] = spec.default;
  for (const [name, value] of Object.entries(attributes as Record<string, unknown>)) {
    const spec = def.attributes.find((s) => s.name === name);
    if (!spec) {
      problems.push({ path: ['attributes', name], message: `unknown attribute "${name}" for toxic ${type} (expected: ${known.join(', ') || 'none'})` });
      continue;
    }
    if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
      problems.push({ path: ['attributes', name], message: `expected a whole number (${spec.kind}: ${spec.doc}), got ${JSON.stringify(value)}` });
      continue;
    }
    merged[name] = value;
  }
  for (const spec of def.attributes) {
    const v = merged[spec.name];
    const given = Object.prototype.hasOwnProperty.call(attributes, spec.name);
    const where = given ? ['attributes', spec.name] : ['attributes'];
    const what = given ? `got ${v}` : `not given, and its default ${v} is out of range: set it`;
    if (spec.min !== undefined && v < spec.min) problems.push({ path: where, message: `${spec.name} must be at least ${spec.min} (${spec.doc}); ${what}` });
    else if (spec.max !== undefined && v > spec.max) problems.push({ path: where, message: `${spec.name} must be at most ${spec.max} (${spec.doc}); ${what}` });
  }
  if (problems.length === 0) {
    const cross = def.validate?.(merged);
    if (cross) problems.push({ path: ['attributes'], message: cross });
  }
  return problems;
}
