// bandwidth: at most `rate` KB/s (1 KB = 1000 bytes); big chunks go out in rate×100-byte pieces every 100 ms.
import { performance } from 'node:perf_hooks';
import { HeldQueue } from '../data/held-queue';
import type { Stage, StageContext } from '../data/stage';
import { registerToxic } from './registry';
import { MAX_TIMER_MS } from '../data/long-timer';

/** How far behind real time the rate clock of a backlogged link may fall and still be made up. */
const CATCH_UP_MS = 250;

class BandwidthStage implements Stage {
  private readonly queue: HeldQueue;
  private timer: NodeJS.Timeout | null = null;
  /** When the last piece went out (virtual clock, so the rate holds however timers fire). */
  private clock = 0;
  private headDue: number | null = null;
  private headSize = 0;
  private ending = false;
  private ended = false;

  constructor(private readonly ctx: StageContext) {
    this.queue = new HeldQueue(ctx);
  }

  write(chunk: Buffer, arrival: number): void {
    // An idle line banks no time: the first piece after a pause waits its full size / rate, as Toxiproxy.
    if (this.queue.length === 0 && this.headDue === null) this.clock = Math.max(this.clock, performance.now());
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

  remove(): void {
    this.stopTimer();
    this.queue.drainTo((c, t) => this.ctx.out.write(c, t));
    if (this.ending) this.finish();
  }

  destroy(): void {
    this.stopTimer();
    this.queue.clear();
  }

  private readonly pump = (): void => {
    this.timer = null;
    while (this.queue.length > 0) {
      const now = performance.now();
      if (this.headDue === null) {
        const rate = this.ctx.attrs.rate; // bytes per ms
        this.headSize = Math.min(this.queue.peekChunk().length, rate * 100);
        // While backlogged the clock runs on from the last piece's due time, so timers that fire late on a busy
        // machine are made up and the rate holds; at most CATCH_UP_MS is made up at once (no burst after a stall).
        this.clock = Math.max(this.clock, now - CATCH_UP_MS);
        this.headDue = this.clock + this.headSize / rate;
      }
      const wait = this.headDue - now;
      if (wait > 0) {
        this.timer = setTimeout(this.pump, Math.min(wait, MAX_TIMER_MS));
        return;
      }
      this.clock = this.headDue;
      this.headDue = null;
      const arrival = this.queue.peekArrival();
      const chunk = this.queue.peekChunk();
      if (this.headSize < chunk.length) {
        this.queue.trimHead(this.headSize);
        this.ctx.out.write(chunk.subarray(0, this.headSize), arrival);
      } else {
        this.ctx.out.write(this.queue.shift(), arrival);
      }
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
  type: 'bandwidth',
  goName: 'BandwidthToxic',
  attributes: [
    // Divergence: Toxiproxy 2.12 accepts 0 and then stalls the stream forever.
    { name: 'rate', kind: 'int64', default: 0, min: 1, doc: 'KB/s (1 KB = 1000 bytes); 0 would stall the stream in Toxiproxy 2.12' },
  ],
  createStage: (ctx) => new BandwidthStage(ctx),
});
