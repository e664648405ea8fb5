// latency: each chunk leaves `latency` ± `jitter` ms after it arrived (pipelined, not cumulative).
import { ScheduledStage } from '../data/scheduled-stage';
import { registerToxic } from './registry';

class LatencyStage extends ScheduledStage {
  /** When the head chunk is due; drawn once per chunk (jitter), cleared on update. */
  private headDue: number | null = null;

  protected forgetHead(): void {
    this.headDue = null;
  }

  private delay(): number {
    const { latency, jitter } = this.ctx.attrs;
    return jitter > 0 ? latency + Math.floor(this.ctx.rng.next() * 2 * jitter) - jitter : latency;
  }

  protected step(now: number): number {
    const arrival = this.queue.peekArrival();
    if (this.headDue === null) this.headDue = arrival + this.delay();
    const wait = this.headDue - now;
    if (wait > 0) return wait;
    // A chunk that waited carries the time it left, so a second latency toxic adds to the first.
    const leftAt = this.headDue > arrival ? this.headDue : arrival;
    this.headDue = null;
    this.ctx.out.write(this.queue.shift(), leftAt);
    return 0;
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
