// The JSON Toxiproxy emits for proxies and toxics, field for field in its order.
import type { Proxy } from '../proxy';
import type { ToxicEntry } from '../toxic-entry';

export interface ToxicJson {
  attributes: Record<string, number>;
  name: string;
  type: string;
  stream: string;
  toxicity: number;
}

export interface ProxyJson {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
  Logger: Record<string, never>;
  toxics: ToxicJson[];
}

/** Toxicity is a Go float32: emit its shortest decimal form (0.123456789 → 0.12345679), as Go does. */
export function float32Json(x: number): number {
  const f = Math.fround(x);
  if (!Number.isFinite(f)) return f;
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(f.toPrecision(p));
    if (Math.fround(candidate) === f) return candidate;
  }
  return f;
}

export function toxicJson(t: ToxicEntry): ToxicJson {
  const attributes: Record<string, number> = {};
  for (const spec of t.definition.attributes) attributes[spec.name] = t.attributes[spec.name];
  return { attributes, name: t.name, type: t.type, stream: t.stream, toxicity: float32Json(t.toxicity) };
}

/** `"Logger":{}` is what Toxiproxy 2.12 really emits (an exported field without a JSON tag); clients ignore it. */
export function proxyJson(p: Proxy): ProxyJson {
  return {
    name: p.name,
    listen: p.listen,
    upstream: p.upstream,
    enabled: p.enabled,
    Logger: {},
    toxics: p.toxics.list().map(toxicJson),
  };
}
