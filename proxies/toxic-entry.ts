// A toxic as configured on a proxy: the API's view (name, type, stream, toxicity, attributes) plus its definition.
import type { Direction, ToxicDefinition } from './data/stage';

export interface ToxicEntry {
  readonly name: string;
  readonly type: string;
  /** The stream as given (Toxiproxy keeps the caller's casing, e.g. "UpStream"). */
  readonly stream: string;
  readonly direction: Direction;
  toxicity: number;
  /** Mutated in place on update, so every live stage sees the new values. */
  readonly attributes: Record<string, number>;
  readonly definition: ToxicDefinition;
}
