// reset_peer: on the first chunk (or EOF) in its direction, waits `timeout` ms and closes; data is dropped.
// The close is an RST when the toxic existed at accept (Toxiproxy sets SO_LINGER(0) then), a FIN otherwise.
// Once triggered the wait cannot be called off (Toxiproxy sleeps uninterruptibly): removing or updating the toxic
// leaves the reset due, so the timer belongs to the connection, not to this stage.
import type { Stage, StageContext } from '../data/stage';
import { registerToxic } from './registry';

class ResetPeerStage implements Stage {
  private triggered = false;

  constructor(private readonly ctx: StageContext) {}

  write(): void {
    this.trigger();
  }

  end(): void {
    this.trigger();
  }

  update(): void {}

  remove(): void {}

  destroy(): void {}

  private trigger(): void {
    if (this.triggered) return;
    this.triggered = true;
    const mode = this.ctx.lingerZero ? 'rst' : 'fin';
    const ms = this.ctx.attrs.timeout;
    if (ms > 0) this.ctx.closeAfter(ms, mode);
    else this.ctx.close(mode);
  }
}

registerToxic({
  type: 'reset_peer',
  goName: 'ResetToxic',
  attributes: [{ name: 'timeout', kind: 'int64', default: 0, doc: 'ms from the first chunk to the reset' }],
  createStage: (ctx) => new ResetPeerStage(ctx),
});
