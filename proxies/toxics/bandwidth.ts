// bandwidth: at most `rate` KB/s (1 KB = 1000 bytes); big chunks go out in rate×100-byte pieces every 100 ms.
import { performance } from 'node:perf_hooks';
import { ScheduledStage } from '../data/scheduled-stage';
import { registerToxic } from './registry';

/** How far behind real time the rate clock of a backlogged link may fall and still be made up. */
const CATCH_UP_MS = 250;

class BandwidthStage extends ScheduledStage {
  /** When the last piece went out (virtual clock, so the rate holds however timers fire). */
  private clock = 0;
  private headDue: number | null = null;
  private headSize = 0;

  protected override beforeWrite(): void {
    // An idle line banks no time: the first piece after a pause waits its full size / rate, as Toxiproxy.
    if (this.queue.length === 0 && this.headDue === null) this.clock = Math.max(this.clock, performance.now());
  }

  protected forgetHead(): void {
    this.headDue = null;
  }

  protected step(now: number): number {
    if (this.headDue === null) {
      const rate = this.ctx.attrs.rate; // bytes per ms
      this.headSize = Math.min(this.queue.peekChunk().length, rate * 100);
      // While backlogged the clock runs on from the last piece's due time, so timers that fire late on a busy
      // machine are made up and the rate holds; at most CATCH_UP_MS is made up at once (no burst after a stall).
      this.clock = Math.max(this.clock, now - CATCH_UP_MS);
      this.headDue = this.clock + this.headSize / rate;
    }
    const wait = this.headDue - now;
    if (wait > 0) return wait;
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
    return 0;
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
