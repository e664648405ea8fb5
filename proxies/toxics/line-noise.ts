// line_noise (posfault): flips bits at a bit error rate, as a dial-up line without error correction garbles a
// frame. Error events are `burst_bits` consecutive flipped bits, spaced so that the share of flipped bits is
// ber_ppm per million. Gaps are drawn geometrically from the seeded PRNG, so a seed replays the same positions.
import type { Stage, StageContext } from '../data/stage';
import { registerToxic } from './registry';

class LineNoiseStage implements Stage {
  /** Clean bits to let through before the next error event (carried across chunks). */
  private gap = -1;
  /** Bits of the current burst still to flip (a burst may straddle two chunks). */
  private burstLeft = 0;
  private ended = false;

  constructor(private readonly ctx: StageContext) {}

  write(chunk: Buffer, arrival: number): void {
    if (this.ended) return;
    const { ber_ppm, burst_bits } = this.ctx.attrs;
    if (ber_ppm > 0) this.corrupt(chunk, ber_ppm, burst_bits);
    this.ctx.out.write(chunk, arrival);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.ctx.out.end();
  }

  update(): void {
    this.gap = -1;
  }

  remove(): void {}

  destroy(): void {}

  private corrupt(chunk: Buffer, ppm: number, burst: number): void {
    const bits = chunk.length * 8;
    let pos = 0;
    let lastByte = -1;
    let changed = 0;
    while (pos < bits) {
      if (this.burstLeft > 0) {
        const byte = pos >> 3;
        chunk[byte] ^= 0x80 >> (pos & 7);
        if (byte !== lastByte) { lastByte = byte; changed++; }
        this.burstLeft--;
        pos++;
        continue;
      }
      if (this.gap < 0) this.gap = this.drawGap(ppm, burst);
      const skip = Math.min(this.gap, bits - pos);
      pos += skip;
      this.gap -= skip;
      if (this.gap === 0 && pos < bits) {
        this.gap = -1;
        this.burstLeft = burst;
      }
    }
    if (changed > 0) this.ctx.corrupted(changed);
  }

  /** Clean bits before the next event: geometric with p = (ppm / 1e6) / burst per bit. */
  private drawGap(ppm: number, burst: number): number {
    const p = ppm / 1_000_000 / burst;
    if (p >= 1) return 0;
    const u = 1 - this.ctx.rng.next(); // (0, 1]
    return Math.floor(Math.log(u) / Math.log1p(-p));
  }
}

registerToxic({
  type: 'line_noise',
  goName: 'LineNoiseToxic',
  attributes: [
    { name: 'ber_ppm', kind: 'int', default: 0, min: 0, max: 1_000_000, doc: 'bit errors per million bits' },
    { name: 'burst_bits', kind: 'int', default: 1, min: 1, max: 64, doc: 'consecutive bits flipped per error event' },
  ],
  createStage: (ctx) => new LineNoiseStage(ctx),
});
