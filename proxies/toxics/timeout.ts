// timeout: drops every byte; with timeout > 0 closes after that many ms without data (each chunk re-arms it);
// with 0 holds the connection open. Removing the toxic closes the connections it holds (Toxiproxy's Cleanup);
// an update that redraws the toxicity does not.
import type { Stage, StageContext } from '../data/stage';
import { registerToxic } from './registry';
import { setLongTimeout, type LongTimer } from '../data/long-timer';

class TimeoutStage implements Stage {
  private timer: LongTimer | null = null;
  private ended = false;

  constructor(private readonly ctx: StageContext) {
    this.arm();
  }

  write(): void {
    this.arm();
  }

  end(): void {
    this.finish();
  }

  update(): void {
    this.arm();
  }

  /** Only a removal closes what it holds (Toxiproxy's Cleanup). */
  remove(): void {
    this.finish();
  }

  /** A redraw re-runs the toxic (or a noop) on the same connection: it stays open. */
  interrupt(): void {
    this.disarm();
  }

  destroy(): void {
    this.disarm();
  }

  private arm(): void {
    this.disarm();
    const ms = this.ctx.attrs.timeout;
    if (ms > 0 && !this.ended) this.timer = setLongTimeout(() => this.finish(), ms);
  }

  private disarm(): void {
    if (this.timer !== null) this.timer.clear();
    this.timer = null;
  }

  private finish(): void {
    this.disarm();
    if (this.ended) return;
    this.ended = true;
    this.ctx.out.end();
  }
}

registerToxic({
  type: 'timeout',
  goName: 'TimeoutToxic',
  attributes: [{ name: 'timeout', kind: 'int64', default: 0, doc: 'ms of silence before the close; 0 holds the connection open' }],
  createStage: (ctx) => new TimeoutStage(ctx),
});
