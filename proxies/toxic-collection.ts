// A proxy's toxics, per direction in the order added, and the live links they run on: add, update and remove
// reach every open connection at once (Toxiproxy's ToxicCollection).
import type { Prng } from '../harness/security/prng';
import { ApiError, badRequest } from './api-error';
import type { Link } from './data/link';
import type { CallSetup, Direction } from './data/stage';
import type { ProxyMetrics } from './metrics';
import { checkAttributes, decodeAttributes } from './toxics/attributes';
import { findToxic } from './toxics/registry';
import type { ToxicEntry } from './toxic-entry';
import { checkName } from './names';

export interface ToxicCreateInput {
  name?: string;
  type?: string;
  stream?: string;
  toxicity?: number;
  attributes?: unknown;
}

export interface ToxicUpdateInput {
  toxicity?: number;
  attributes?: unknown;
}

function parseStream(stream: string): Direction | null {
  const s = stream.toLowerCase();
  return s === 'upstream' || s === 'downstream' ? s : null;
}

export class ToxicCollection {
  private readonly chains: Record<Direction, ToxicEntry[]> = { upstream: [], downstream: [] };
  private readonly links: Record<Direction, Set<Link>> = { upstream: new Set(), downstream: new Set() };

  constructor(private readonly proxyName: string, private readonly metrics: ProxyMetrics) {}

  /** Upstream chain first, then downstream, each in the order added (Toxiproxy's GetToxicArray). */
  list(): ToxicEntry[] {
    return [...this.chains.upstream, ...this.chains.downstream];
  }

  chain(direction: Direction): readonly ToxicEntry[] {
    return this.chains[direction];
  }

  get(name: string): ToxicEntry {
    const entry = this.find(name);
    if (!entry) throw new ApiError(404, 'toxic not found');
    return entry;
  }

  hasType(type: string): boolean {
    return this.list().some((t) => t.type === type);
  }

  /** Checks in Toxiproxy's order: stream, default name, type, duplicate name, attributes. */
  add(input: ToxicCreateInput): ToxicEntry {
    // Only an absent (or null) stream defaults; "" is invalid, as Toxiproxy's decoder overwrites its default with it.
    const stream = input.stream ?? 'downstream';
    const direction = parseStream(stream);
    if (!direction) throw badRequest('stream was invalid, can be either upstream or downstream');
    const type = input.type ?? '';
    const name = input.name || `${type}_${stream}`;
    const definition = findToxic(type);
    if (!definition) throw badRequest('invalid toxic type');
    if (this.find(name)) throw new ApiError(409, 'toxic already exists');
    checkName(name, 'toxic');
    const attributes = decodeAttributes(definition, input.attributes, {});
    checkAttributes(definition, attributes);
    const entry: ToxicEntry = { name, type, stream, direction, toxicity: input.toxicity ?? 1, attributes, definition };
    this.chains[direction].push(entry);
    this.metrics.toxics.inc({ proxy: this.proxyName, type, stream: direction });
    for (const link of this.links[direction]) link.addToxic(entry);
    return entry;
  }

  /** Merges attributes, keeps toxicity if absent; name, type and stream cannot change. */
  update(name: string, input: ToxicUpdateInput): ToxicEntry {
    const entry = this.get(name);
    const attributes = decodeAttributes(entry.definition, input.attributes, entry.attributes);
    checkAttributes(entry.definition, attributes);
    Object.assign(entry.attributes, attributes);
    if (input.toxicity !== undefined) entry.toxicity = input.toxicity;
    for (const link of this.links[entry.direction]) link.updateToxic(entry);
    return entry;
  }

  remove(name: string): void {
    const entry = this.get(name);
    const chain = this.chains[entry.direction];
    chain.splice(chain.indexOf(entry), 1);
    this.metrics.toxics.dec({ proxy: this.proxyName, type: entry.type, stream: entry.direction });
    for (const link of [...this.links[entry.direction]]) link.removeToxic(entry);
  }

  removeAll(): void {
    for (const entry of this.list()) this.remove(entry.name);
  }

  registerLink(link: Link): void {
    this.links[link.direction].add(link);
  }

  unregisterLink(link: Link): void {
    this.links[link.direction].delete(link);
  }

  /** Dial-up call set-up at accept: the first refusal wins, connect delays add up. Toxicity drawn per call. */
  callSetup(rng: Prng): CallSetup {
    let delayMs = 0;
    for (const entry of this.list()) {
      if (!entry.definition.callSetup) continue;
      const draw = rng.fork(`${entry.direction}/${entry.name}/setup`);
      if (!(draw.next() < entry.toxicity)) continue;
      const setup = entry.definition.callSetup(entry.attributes, draw);
      if (setup.kind !== 'connect') return setup;
      delayMs += setup.delayMs;
    }
    return { kind: 'connect', delayMs };
  }

  private find(name: string): ToxicEntry | undefined {
    return this.chains.upstream.find((t) => t.name === name) ?? this.chains.downstream.find((t) => t.name === name);
  }
}
