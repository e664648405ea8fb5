// The contract between the data path and a toxic: what a toxic declares, and the pipe stage it runs per link.
import type { Prng } from '../../harness/security/prng';

export type Direction = 'upstream' | 'downstream';

/** Where a stage hands its output: the next stage, or the link's sink (the destination socket). */
export interface Hop {
  /** `arrival` is the chunk's timestamp (performance.now() ms) as Toxiproxy's StreamChunk.Timestamp. */
  write(chunk: Buffer, arrival: number): void;
  /** The source ended (EOF) and every earlier chunk has been written. */
  end(): void;
}

/** How a torn-down connection looks to both peers: FIN (graceful close) or RST. */
export type CloseMode = 'fin' | 'rst';

export interface StageContext {
  readonly out: Hop;
  /** The toxic's attributes: one object shared by every link, mutated in place on update. */
  readonly attrs: Readonly<Record<string, number>>;
  readonly rng: Prng;
  /**
   * This toxic's state on this link (Toxiproxy's stub state, e.g. limit_data's byte count): it outlives the stage,
   * which is replaced when a toxicity redraw flips, and starts empty when the toxic is added again.
   */
  readonly state: Record<string, number>;
  readonly direction: Direction;
  /** SO_LINGER(0) was set at accept (a reset_peer toxic existed then), so a close by a toxic is an RST. */
  readonly lingerZero: boolean;
  /** Backpressure: stop / restart reading the link's source socket (counted per stage). */
  pause(): void;
  resume(): void;
  /**
   * True when the stages after this one and the destination can take more now. Otherwise false, and `fn` runs once
   * when they may have room again (ask again then). For a stage that turns one chunk into many writes (slicer).
   */
  whenWritable(fn: () => void): boolean;
  /** Tear the whole connection down (both sockets). */
  close(mode: CloseMode): void;
  /** Tear the connection down after `ms`, even if the toxic is removed or redrawn meanwhile (an uninterruptible sleep). */
  closeAfter(ms: number, mode: CloseMode): void;
  /** Count bytes a toxic altered (line noise). */
  corrupted(bytes: number): void;
  /** Count a line event (busy, no_dial_tone, carrier_drop). */
  lineEvent(event: string): void;
}

/** One toxic running on one link (one connection, one direction). */
export interface Stage {
  write(chunk: Buffer, arrival: number): void;
  end(): void;
  /** The shared attributes changed (toxic update). */
  update(): void;
  /** The toxic is removed from this live link: hand on what it holds at once (timeout closes instead). */
  remove(): void;
  /**
   * A toxicity redraw replaces this stage on the link (Toxiproxy interrupts the stub and runs it again): hand on what
   * it holds and stop, never close. When absent, remove() is used.
   */
  interrupt?(): void;
  /** The connection is gone: stop timers, drop what it holds. */
  destroy(): void;
}

export type AttributeKind = 'int' | 'int64';

export interface AttributeSpec {
  name: string;
  kind: AttributeKind;
  default: number;
  /** Inclusive bounds enforced with a 400 (only where Toxiproxy would hang or crash, or for our own toxics). */
  min?: number;
  max?: number;
  /** What the attribute means, for docs and error messages. */
  doc: string;
}

/** What a connection does at accept time (dial-up call set-up). */
export type CallSetup = { kind: 'connect'; delayMs: number } | { kind: 'busy' } | { kind: 'no_dial_tone' };

export interface ToxicDefinition {
  type: string;
  /** The Go struct name used in Toxiproxy's decode errors (e.g. LatencyToxic). */
  goName: string;
  attributes: AttributeSpec[];
  /** Checks across attributes; returns an error message or null. */
  validate?(attrs: Readonly<Record<string, number>>): string | null;
  createStage(ctx: StageContext): Stage;
  /** Connection-level behaviour decided at accept time, before the upstream is dialled. */
  callSetup?(attrs: Readonly<Record<string, number>>, rng: import('../../harness/security/prng').Prng): CallSetup;
}
