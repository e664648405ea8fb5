// reset_peer: on the first chunk (or EOF) in its direction, waits `timeout` ms and closes; data is dropped.
// The close is an RST when the toxic existed at accept (Toxiproxy sets SO_LINGER(0) then), a FIN otherwise.
import type { Stage, StageContext } from '../data/stage';
import { registerToxic } from './registry';
import { setLongTimeout, type LongTimer } from '../data/long-timer';

class ResetPeerStage implements Stage {
  private timer: LongTimer | null = null;
  private triggered = false;

  constructor(private readonly ctx: StageContext) {}

  write(): void {
    this.trigger();
  }

  end(): void {
    this.trigger();
  }

  update(): void {}

  remove(): void {
    this.destroy();
  }

  destroy(): void {
    if (this.timer !== null) this.timer.clear();
    this.timer = null;
  }

  private trigger(): void {
    if (this.triggered) return;
    this.triggered = true;
    const close = () => this.ctx.close(this.ctx.lingerZero ? 'rst' : 'fin');
    const ms = this.ctx.attrs.timeout;
    if (ms > 0) this.timer = setLongTimeout(close, ms);
    else close();
  }
}

registerToxic({
  type: 'reset_peer',
  goName: 'ResetToxic',
  attributes: [{ name: 'timeout', kind: 'int64', default: 0, doc: 'ms from the first chunk to the reset' }],
  createStage: (ctx) => new ResetPeerStage(ctx),
});
