// carrier_drop (posfault): the line hangs up after a random time: min_ms plus an exponential wait of mean mean_ms,
// counted from when the toxic starts on the connection (accept, or when added to an open one).
import { performance } from 'node:perf_hooks';
import type { Stage, StageContext } from '../data/stage';
import { registerToxic } from './registry';
import { setLongTimeout, type LongTimer } from '../data/long-timer';

class CarrierDropStage implements Stage {
  private readonly startedAt = performance.now();
  /** One uniform draw per connection; an update re-times the same draw, so a seed keeps its order of drops. */
  private readonly draw: number;
  private timer: LongTimer | null = null;
  private ended = false;

  constructor(private readonly ctx: StageContext) {
    this.draw = ctx.rng.next();
    this.arm();
  }

  write(chunk: Buffer, arrival: number): void {
    if (!this.ended) this.ctx.out.write(chunk, arrival);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.ctx.out.end();
  }

  update(): void {
    this.arm();
  }

  remove(): void {
    this.disarm();
  }

  destroy(): void {
    this.disarm();
  }

  private arm(): void {
    this.disarm();
    const { mean_ms, min_ms } = this.ctx.attrs;
    const holdMs = min_ms - Math.log(1 - this.draw) * mean_ms;
    const wait = this.startedAt + holdMs - performance.now();
    this.timer = setLongTimeout(() => this.hangUp(), wait);
  }

  private disarm(): void {
    if (this.timer !== null) this.timer.clear();
    this.timer = null;
  }

  private hangUp(): void {
    this.timer = null;
    this.ctx.lineEvent('carrier_drop');
    this.ctx.close(this.ctx.attrs.rst === 1 ? 'rst' : 'fin');
  }
}

registerToxic({
  type: 'carrier_drop',
  goName: 'CarrierDropToxic',
  attributes: [
    { name: 'mean_ms', kind: 'int64', default: 0, min: 0, doc: 'mean of the exponential wait after min_ms' },
    { name: 'min_ms', kind: 'int64', default: 0, min: 0, doc: 'the line always holds at least this long' },
    { name: 'rst', kind: 'int', default: 0, min: 0, max: 1, doc: '1: the hang-up is an RST; 0: a FIN' },
  ],
  createStage: (ctx) => new CarrierDropStage(ctx),
});
