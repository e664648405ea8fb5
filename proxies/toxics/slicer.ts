// slicer: each chunk is halved (midpoint moved by ±size_variation) until pieces are within size_variation of
// average_size; pieces go out `delay` microseconds apart.
import { performance } from 'node:perf_hooks';
import type { Prng } from '../../harness/security/prng';
import { HeldQueue } from '../data/held-queue';
import type { Stage, StageContext } from '../data/stage';
import { registerToxic } from './registry';
import { MAX_TIMER_MS } from '../data/long-timer';

/** Piece lengths in order, iteratively (Toxiproxy recurses; with average_size 0 it overflows its stack). */
export function sliceLengths(length: number, average: number, variation: number, rng: Prng): number[] {
  const out: number[] = [];
  const stack = [length];
  while (stack.length > 0) {
    const len = stack.pop()!;
    if (len - average <= variation || len < 2) {
      if (len > 0) out.push(len);
      continue;
    }
    let mid = len >> 1;
    if (variation > 0) mid += Math.floor(rng.next() * 2 * variation) - variation;
    mid = Math.min(len - 1, Math.max(1, mid));
    stack.push(len - mid, mid); // left piece on top: it goes first
  }
  return out;
}

class SlicerStage implements Stage {
  private readonly queue: HeldQueue;
  private timer: NodeJS.Timeout | null = null;
  private nextAt = 0;
  private ending = false;
  private ended = false;

  constructor(private readonly ctx: StageContext) {
    this.queue = new HeldQueue(ctx);
  }

  write(chunk: Buffer, arrival: number): void {
    const { average_size, size_variation } = this.ctx.attrs;
    let offset = 0;
    for (const len of sliceLengths(chunk.length, average_size, size_variation, this.ctx.rng)) {
      this.queue.push(chunk.subarray(offset, offset + len), arrival);
      offset += len;
    }
    if (this.timer === null) this.pump();
  }

  end(): void {
    this.ending = true;
    if (this.timer === null) this.pump();
  }

  update(): void {}

  remove(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.queue.drainTo((c, t) => this.ctx.out.write(c, t));
    if (this.ending) this.finish();
  }

  destroy(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.queue.clear();
  }

  private readonly pump = (): void => {
    this.timer = null;
    const delayMs = Math.max(0, this.ctx.attrs.delay) / 1000;
    while (this.queue.length > 0) {
      const now = performance.now();
      if (this.nextAt > now) {
        this.timer = setTimeout(this.pump, Math.min(this.nextAt - now, MAX_TIMER_MS));
        return;
      }
      const arrival = this.queue.peekArrival();
      this.ctx.out.write(this.queue.shift(), arrival);
      // A piece is followed by the delay; sub-millisecond delays accumulate on a virtual clock.
      this.nextAt = Math.max(this.nextAt, now - 1) + delayMs;
    }
    if (this.ending) this.finish();
  };

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
