// latency: each chunk leaves `latency` ± `jitter` ms after it arrived (pipelined, not cumulative).
import { performance } from 'node:perf_hooks';
import { HeldQueue } from '../data/held-queue';
import type { Stage, StageContext } from '../data/stage';
import { registerToxic } from './registry';
import { MAX_TIMER_MS } from '../data/long-timer';

class LatencyStage implements Stage {
  private readonly queue: HeldQueue;
  private timer: NodeJS.Timeout | null = null;
  /** When the head chunk is due; drawn once per chunk (jitter), cleared on update. */
  private headDue: number | null = null;
  private ending = false;
  private ended = false;

  constructor(private readonly ctx: StageContext) {
    this.queue = new HeldQueue(ctx);
  }

  write(chunk: Buffer, arrival: number): void {
    this.queue.push(chunk, arrival);
    if (this.timer === null) this.pump();
  }

  end(): void {
    this.ending = true;
    if (this.timer === null) this.pump();
  }

  update(): void {
    this.headDue = null;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
      this.pump();
    }
  }

  /** As Toxiproxy on interrupt: what is held goes on at once. */
  remove(): void {
    this.stopTimer();
    this.queue.drainTo((c, t) => this.ctx.out.write(c, t));
    if (this.ending) this.finish();
  }

  destroy(): void {
    this.stopTimer();
    this.queue.clear();
  }

  private delay(): number {
    const { latency, jitter } = this.ctx.attrs;
    return jitter > 0 ? latency + Math.floor(this.ctx.rng.next() * 2 * jitter) - jitter : latency;
  }

  private readonly pump = (): void => {
    this.timer = null;
    while (this.queue.length > 0) {
      const arrival = this.queue.peekArrival();
      if (this.headDue === null) this.headDue = arrival + this.delay();
      const wait = this.headDue - performance.now();
      if (wait > 0) {
        this.timer = setTimeout(this.pump, Math.min(wait, MAX_TIMER_MS));
        return;
      }
      // A chunk that waited carries the time it left, so a second latency toxic adds to the first.
      const leftAt = this.headDue > arrival ? this.headDue : arrival;
      this.headDue = null;
      this.ctx.out.write(this.queue.shift(), leftAt);
    }
    if (this.ending) this.finish();
  };

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.ctx.out.end();
  }

  private stopTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}

registerToxic({
  type: 'latency',
  goName: 'LatencyToxic',
  attributes: [
    { name: 'latency', kind: 'int64', default: 0, doc: 'delay in ms, from each chunk\'s arrival' },
    { name: 'jitter', kind: 'int64', default: 0, doc: 'uniform spread in ms, latency ± jitter' },
  ],
  createStage: (ctx) => new LatencyStage(ctx),
});
