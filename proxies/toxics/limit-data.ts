// limit_data: forwards `bytes` in total on this connection and direction (cutting the last chunk), then closes.
import type { Stage, StageContext } from '../data/stage';
import { registerToxic } from './registry';

class LimitDataStage implements Stage {
  /** Survives updates; a removed and re-added toxic starts again from 0, as Toxiproxy's stub state. */
  private transmitted = 0;
  private ended = false;

  constructor(private readonly ctx: StageContext) {}

  write(chunk: Buffer, arrival: number): void {
    if (this.ended) return;
    const limit = this.ctx.attrs.bytes;
    const room = limit - this.transmitted;
    const piece = chunk.length > room ? chunk.subarray(0, Math.max(0, room)) : chunk;
    this.transmitted += piece.length;
    if (piece.length > 0) this.ctx.out.write(piece, arrival);
    if (this.transmitted >= limit) this.finish();
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
