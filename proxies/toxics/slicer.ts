// slicer: each chunk is halved (midpoint moved by ±size_variation) until pieces are within size_variation of
// average_size; pieces go out `delay` microseconds apart.
import { performance } from 'node:perf_hooks';
import type { Prng } from '../../harness/security/prng';
import { HeldQueue } from '../data/held-queue';
import type { Stage, StageContext } from '../data/stage';
import { registerToxic } from './registry';
import { MAX_TIMER_MS } from '../data/long-timer';

/**
 * The next piece length of a chunk being halved, iteratively (Toxiproxy recurses; with average_size 0 it overflows its
 * stack). `stack` holds the parts still to cut, the next one on top; start it with the chunk's length.
 */
export function nextSlice(stack: number[], average: number, variation: number, rng: Prng): number {
  for (;;) {
    const len = stack.pop()!;
    if (len - average <= variation || len < 2) return len;
    let mid = len >> 1;
    if (variation > 0) mid += Math.floor(rng.next() * 2 * variation) - variation;
    mid = Math.min(len - 1, Math.max(1, mid));
    stack.push(len - mid, mid); // left piece on top: it goes first
  }
}

/** Every piece length of a chunk, in order. */
export function sliceLengths(length: number, average: number, variation: number, rng: Prng): number[] {
  const out: number[] = [];
  const stack = length > 0 ? [length] : [];
  while (stack.length > 0) out.push(nextSlice(stack, average, variation, rng));
  return out;
}

/**
 * Chunks are held whole and cut as they go out (a chunk and an offset, and at most log2(size) parts to cut), so a
 * small average_size never turns a held chunk into thousands of Buffer objects; and pieces go out only while the
 * stages after this one and the destination socket take them.
 */
class SlicerStage implements Stage {
  private readonly queue: HeldQueue;
  /** Parts of the head chunk still to cut, and how much of it has gone out. */
  private readonly parts: number[] = [];
  private offset = 0;
  private timer: NodeJS.Timeout | null = null;
  private waiting = false;
  /** A send may call back into write() or the wake-up: no second pump inside one (bytes would overtake). */
  private pumping = false;
  private nextAt = 0;
  private ending = false;
  private ended = false;

  constructor(private readonly ctx: StageContext) {
    this.queue = new HeldQueue(ctx);
  }

  write(chunk: Buffer, arrival: number): void {
    this.queue.push(chunk, arrival);
    if (this.timer === null && !this.waiting && !this.pumping) this.pump();
  }

  end(): void {
    this.ending = true;
    if (this.timer === null && !this.waiting && !this.pumping) this.pump();
  }

  update(): void {}

  remove(): void {
    this.stop();
    if (this.queue.length > 0 && this.offset > 0) {
      const arrival = this.queue.peekArrival();
      this.ctx.out.write(this.queue.shift().subarray(this.offset), arrival);
    }
    this.parts.length = 0;
    this.offset = 0;
    this.queue.drainTo((c, t) => this.ctx.out.write(c, t));
    if (this.ending) this.finish();
  }

  destroy(): void {
    this.stop();
    this.parts.length = 0;
    this.queue.clear();
  }

  private stop(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.waiting = false;
  }

  private readonly onWritable = (): void => {
    if (!this.waiting) return;
    this.waiting = false;
    if (this.timer === null && !this.pumping) this.pump();
  };

  private readonly pump = (): void => {
    this.timer = null;
    const delayMs = Math.max(0, this.ctx.attrs.delay) / 1000;
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        const now = performance.now();
        if (this.nextAt > now) {
          this.timer = setTimeout(this.pump, Math.min(this.nextAt - now, MAX_TIMER_MS));
          return;
        }
        if (!this.ctx.whenWritable(this.onWritable)) {
          this.waiting = true;
          return;
        }
        this.sendPiece();
        // A piece is followed by the delay; sub-millisecond delays accumulate on a virtual clock.
        this.nextAt = Math.max(this.nextAt, now - 1) + delayMs;
      }
    } finally {
      this.pumping = false;
    }
    if (this.ending) this.finish();
  };

  private sendPiece(): void {
    const chunk = this.queue.peekChunk();
    const arrival = this.queue.peekArrival();
    if (this.offset === 0) this.parts.push(chunk.length);
    const { average_size, size_variation } = this.ctx.attrs;
    const len = nextSlice(this.parts, average_size, size_variation, this.ctx.rng);
    const start = this.offset;
    this.offset += len;
    if (this.offset >= chunk.length) {
      this.queue.shift();
      this.parts.length = 0;
      this.offset = 0;
    }
    this.ctx.out.write(start === 0 && len === chunk.length ? chunk : chunk.subarray(start, start + len), arrival);
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.ctx.out.end();
  }
}

registerToxic({
  type: 'slicer',
  goName: 'SlicerToxic',
  attributes: [
    // Divergence: Toxiproxy 2.12 accepts 0 and crashes the whole server (stack overflow) once data flows.
    { name: 'average_size', kind: 'int', default: 0, min: 1, doc: 'bytes per piece on average; 0 crashes Toxiproxy 2.12' },
    { name: 'size_variation', kind: 'int', default: 0, min: 0, doc: 'bytes a piece may differ from the average' },
    { name: 'delay', kind: 'int', default: 0, doc: 'microseconds between pieces' },
  ],
  createStage: (ctx) => new SlicerStage(ctx),
});
