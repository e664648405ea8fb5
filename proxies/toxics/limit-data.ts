// limit_data: forwards `bytes` in total on this connection and direction (cutting the last chunk), then closes.
import type { Stage, StageContext } from '../data/stage';
import { registerToxic } from './registry';

class LimitDataStage implements Stage {
  private ended = false;

  /**
   * The count lives in the link's state for this toxic, as Toxiproxy's stub state: it survives updates and toxicity
   * redraws (which replace this stage); a removed and re-added toxic starts again from 0.
   */
  constructor(private readonly ctx: StageContext) {
    ctx.state.transmitted ??= 0;
  }

  write(chunk: Buffer, arrival: number): void {
    if (this.ended) return;
    const state = this.ctx.state;
    const limit = this.ctx.attrs.bytes;
    const room = limit - state.transmitted;
    const piece = chunk.length > room ? chunk.subarray(0, Math.max(0, room)) : chunk;
    state.transmitted += piece.length;
    if (piece.length > 0) this.ctx.out.write(piece, arrival);
    if (state.transmitted >= limit) this.finish();
  }

  end(): void {
    this.finish();
  }

  update(): void {}

  remove(): void {}

  destroy(): void {}

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.ctx.out.end();
  }
}

registerToxic({
  type: 'limit_data',
  goName: 'LimitDataToxic',
  attributes: [{ name: 'bytes', kind: 'int64', default: 0, doc: 'bytes forwarded before the close' }],
  createStage: (ctx) => new LimitDataStage(ctx),
});
