// One direction of one connection: source socket → chain of toxic stages (in the order added) → destination.
// With no toxic the chain is empty and each chunk goes straight from 'data' to write(), paused on backpressure.
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Prng } from '../../harness/security/prng';
import type { ByteFlow } from '../metrics';
import { passThrough } from './pass-through';
import type { CloseMode, Direction, Hop, Stage, StageContext } from './stage';
import type { ToxicEntry } from '../toxic-entry';

/** What a link needs from its connection. */
export interface LinkOwner {
  readonly rng: Prng;
  readonly lingerZero: boolean;
  close(mode?: CloseMode): void;
  /** Close after `ms` whatever happens to the toxic meanwhile; cancelled only when the connection closes. */
  closeAfter(ms: number, mode: CloseMode): void;
  corrupted(direction: Direction, bytes: number): void;
  lineEvent(event: string): void;
}

/** Bytes queued in the destination socket before the source is paused. */
const SINK_HIGH_WATER = 256 * 1024;
/** Writes queued past Node's high-water mark before the source is paused: tiny slicer pieces cost a queue entry each. */
const SINK_MAX_QUEUED_WRITES = 1024;

class Sink implements Hop {
  ended = false;
  waitingDrain = false;
  private queuedWrites = 0;

  constructor(private readonly link: Link, private readonly dest: Socket, private readonly flow: ByteFlow) {
    dest.on('drain', () => {
      this.queuedWrites = 0;
      if (!this.waitingDrain) return;
      this.waitingDrain = false;
      this.link.resume();
    });
  }

  write(chunk: Buffer): void {
    if (this.ended || !this.dest.writable) return;
    this.flow.sent += chunk.length;
    // Stop reading only once a fair amount waits in the socket: pausing at Node's 16 KiB mark would stop and restart
    // the reader on every 64 KiB read. 'drain' still comes, because write() returned false.
    if (!this.dest.write(chunk) && !this.waitingDrain) {
      if (this.dest.writableLength >= SINK_HIGH_WATER || ++this.queuedWrites >= SINK_MAX_QUEUED_WRITES) {
        this.waitingDrain = true;
        this.link.pause();
      }
    }
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.link.owner.close();
  }
}

class StageNode implements Hop {
  next: Hop;
  stage!: Stage;
  active = false;
  pausing = false;
  readonly rng: Prng;
  private readonly state: Record<string, number> = {};

  constructor(readonly link: Link, readonly toxic: ToxicEntry, next: Hop) {
    this.next = next;
    this.rng = link.owner.rng.fork(`${link.direction}/${toxic.name}`);
    this.draw();
  }

  /** Toxicity is drawn when the stage starts on this link, and again when the toxic is updated (as Toxiproxy). */
  draw(): void {
    const active = this.rng.next() < this.toxic.toxicity;
    if (this.stage !== undefined && active === this.active) return;
    if (this.stage !== undefined) {
      if (this.stage.interrupt) this.stage.interrupt();
      else this.stage.remove();
      this.stage.destroy();
      this.releasePause();
    }
    this.active = active;
    const out: Hop = { write: (c, t) => this.next.write(c, t), end: () => this.next.end() };
    this.stage = active ? this.toxic.definition.createStage(this.context(out)) : passThrough(out);
  }

  write(chunk: Buffer, arrival: number): void {
    this.stage.write(chunk, arrival);
  }

  end(): void {
    this.stage.end();
  }

  releasePause(): void {
    if (this.pausing) {
      this.pausing = false;
      this.link.resume();
    }
  }

  private context(out: Hop): StageContext {
    const link = this.link;
    const owner = link.owner;
    return {
      out,
      attrs: this.toxic.attributes,
      rng: this.rng,
      state: this.state,
      direction: link.direction,
      lingerZero: owner.lingerZero,
      pause: () => { if (!this.pausing) { this.pausing = true; link.pause(); } },
      resume: () => this.releasePause(),
      whenWritable: (fn) => link.whenWritable(this, fn),
      close: (mode) => owner.close(mode),
      closeAfter: (ms, mode) => owner.closeAfter(ms, mode),
      corrupted: (bytes) => owner.corrupted(link.direction, bytes),
      lineEvent: (event) => owner.lineEvent(event),
    };
  }
}

export class Link {
  private readonly nodes: StageNode[] = [];
  private readonly sink: Sink;
  private head: Hop;
  private pausers = 1; // paused until start()
  private sourceEnded = false;
  private destroyed = false;
  private writableWaiters: Array<() => void> = [];
  private wakeScheduled = false;

  constructor(
    readonly direction: Direction,
    private readonly source: Socket,
    dest: Socket,
    readonly owner: LinkOwner,
    private readonly flow: ByteFlow,
    toxics: readonly ToxicEntry[],
  ) {
    this.sink = new Sink(this, dest, flow);
    this.head = this.sink;
    for (const toxic of toxics) this.addToxic(toxic);
  }

  start(): void {
    this.source.on('data', this.onData);
    this.source.on('end', this.onEnd);
    this.resume();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.flow.received += chunk.length;
    if (this.nodes.length === 0) this.sink.write(chunk);
    else this.head.write(chunk, performance.now());
  };

  /** EOF, or a read error: the source is done; the chain drains and then the connection closes. */
  readonly onEnd = (): void => {
    if (this.sourceEnded || this.destroyed) return;
    this.sourceEnded = true;
    this.head.end();
  };

  pause(): void {
    if (this.pausers++ === 0 && !this.destroyed) this.source.pause();
  }

  resume(): void {
    if (--this.pausers === 0 && !this.destroyed) this.source.resume();
    if (this.writableWaiters.length > 0 && !this.wakeScheduled) {
      // Not now: resume() is called from inside a later stage's send (its queue just shrank), and a waiter that
      // pumped from here would write into that stage while it is still between taking a chunk and passing it on,
      // putting later bytes ahead of earlier ones.
      this.wakeScheduled = true;
      process.nextTick(this.wakeWaiters);
    }
  }

  private readonly wakeWaiters = (): void => {
    this.wakeScheduled = false;
    if (this.destroyed) return;
    const waiters = this.writableWaiters;
    this.writableWaiters = [];
    for (const fn of waiters) fn();
  };

  /** True if nothing after `node` holds the source back; otherwise `fn` runs at the next resume (and may ask again). */
  whenWritable(node: StageNode, fn: () => void): boolean {
    let congested = this.sink.waitingDrain;
    for (let i = this.nodes.indexOf(node) + 1; i < this.nodes.length && !congested; i++) congested = this.nodes[i].pausing;
    if (!congested || this.destroyed) return true;
    this.writableWaiters.push(fn);
    return false;
  }

  addToxic(toxic: ToxicEntry): void {
    const node = new StageNode(this, toxic, this.sink);
    const last = this.nodes[this.nodes.length - 1];
    if (last) last.next = node;
    else this.head = node;
    this.nodes.push(node);
  }

  updateToxic(toxic: ToxicEntry): void {
    const node = this.nodes.find((n) => n.toxic === toxic);
    if (!node) return;
    const wasActive = node.active;
    node.draw();
    if (wasActive && node.active) node.stage.update();
  }

  removeToxic(toxic: ToxicEntry): void {
    const i = this.nodes.findIndex((n) => n.toxic === toxic);
    if (i < 0) return;
    const node = this.nodes[i];
    node.stage.remove();
    node.stage.destroy();
    node.releasePause();
    this.nodes.splice(i, 1);
    const prev = this.nodes[i - 1];
    if (prev) prev.next = node.next;
    else this.head = node.next;
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.source.off('data', this.onData);
    for (const node of this.nodes) node.stage.destroy();
    this.nodes.length = 0;
    this.writableWaiters.length = 0;
    this.sink.ended = true;
  }
}
