// Decoding and checking a toxic's attributes: integers like Toxiproxy's Go structs, with Go's decode messages.
import { badRequest } from '../api-error';
import type { ToxicDefinition } from '../data/stage';

export function jsonTypeName(value: unknown): string {
  if (typeof value === 'number') return 'number';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (Array.isArray(value)) return 'array';
  return 'object';
}

/**
 * Merges `raw` (the request's attributes object) over `base` (defaults, or the current values on update).
 * Divergence: an unknown attribute name is a 400 (Toxiproxy ignores it, hiding typos like "latancy").
 */
export function decodeAttributes(def: ToxicDefinition, raw: unknown, base: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const spec of def.attributes) out[spec.name] = base[spec.name] ?? spec.default;
  if (raw === undefined || raw === null) return out;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw badRequest(`bad request body: json: cannot unmarshal ${jsonTypeName(raw)} into Go value of type toxics.${def.goName}`);
  }
  for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
    const spec = def.attributes.find((s) => s.name === key);
    if (!spec) {
      const known = def.attributes.map((s) => s.name).join(', ') || 'none';
      throw badRequest(`unknown attribute "${key}" for toxic type ${def.type} (known: ${known})`);
    }
    if (value === null) continue; // Go leaves the field as it was
    const field = `Go struct field ${def.goName}.attributes.${key} of type ${spec.kind}`;
    if (typeof value !== 'number') throw badRequest(`bad request body: json: cannot unmarshal ${jsonTypeName(value)} into ${field}`);
    if (!Number.isInteger(value)) throw badRequest(`bad request body: json: cannot unmarshal number ${value} into ${field}`);
    if (!Number.isSafeInteger(value)) throw badRequest(`attribute ${key} of ${def.type} is out of range (at most ${Number.MAX_SAFE_INTEGER} in magnitude)`);
    out[key] = value;
  }
  return out;
}

/** Our own bounds: only where Toxiproxy would hang or crash, and for posfault's line toxics. */
export function checkAttributes(def: ToxicDefinition, attrs: Readonly<Record<string, number>>): void {
  for (const spec of def.attributes) {
    const v = attrs[spec.name];
    if (spec.min !== undefined && v < spec.min) {
      throw badRequest(`invalid attribute: ${def.type} ${spec.name} must be at least ${spec.min}, got ${v} (${spec.doc})`);
    }
    if (spec.max !== undefined && v > spec.max) {
      throw badRequest(`invalid attribute: ${def.type} ${spec.name} must be at most ${spec.max}, got ${v} (${spec.doc})`);
    }
  }
  const problem = def.validate?.(attrs);
  if (problem) throw badRequest(`invalid attribute: ${problem}`);
}
