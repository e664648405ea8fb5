// slow_close: data passes; when the source ends, the close is held back `delay` ms.
import type { Stage, StageContext } from '../data/stage';
import { registerToxic } from './registry';
import { setLongTimeout, type LongTimer } from '../data/long-timer';

class SlowCloseStage implements Stage {
  private timer: LongTimer | null = null;
  private ending = false;
  private ended = false;

  constructor(private readonly ctx: StageContext) {}

  write(chunk: Buffer, arrival: number): void {
    if (!this.ending) this.ctx.out.write(chunk, arrival);
  }

  end(): void {
    if (this.ending) return;
    this.ending = true;
    this.timer = setLongTimeout(() => this.finish(), this.ctx.attrs.delay);
  }

  update(): void {}

  remove(): void {
    if (this.ending) this.finish();
  }

  destroy(): void {
    if (this.timer !== null) this.timer.clear();
    this.timer = null;
  }

  private finish(): void {
    this.destroy();
    if (this.ended) return;
    this.ended = true;
    this.ctx.out.end();
  }
}

registerToxic({
  type: 'slow_close',
  goName: 'SlowCloseToxic',
  attributes: [{ name: 'delay', kind: 'int64', default: 0, doc: 'ms the close is delayed after the source ends' }],
  createStage: (ctx) => new SlowCloseStage(ctx),
});
