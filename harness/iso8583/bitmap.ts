// Primary (and optional secondary) bitmap: 8 binary bytes or 16 hex characters each. Bit 1 announces the secondary.
import { CodecError, type Dialect } from './types';

export interface BitmapCodec {
  /** Wire bytes of the bitmap(s). */
  width(secondary: boolean): number;
  /** Writes `bits` (16 bytes; only the first 8 without a secondary) at `offset`; returns the bytes written. */
  write(bits: Uint8Array, secondary: boolean, out: Buffer, offset: number): number;
  /** Fills `bits` (16 bytes) from the wire; returns the bytes read. */
  read(buf: Buffer, offset: number, bits: Uint8Array): number;
}

const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[0x41 + i] = 10 + i;
  HEX_VALUE[0x61 + i] = 10 + i;
}
const HEX_UPPER = '0123456789ABCDEF';

export function buildBitmap(spec: Dialect['bitmap']): BitmapCodec {
  const hex = spec.encoding === 'hex';
  const unit = hex ? 16 : 8;
  const allowSecondary = spec.secondary;

  function readOne(buf: Buffer, offset: number, bits: Uint8Array, at: number, which: string): void {
    if (offset + unit > buf.length) throw new CodecError(`truncated: no room for the ${unit}-byte ${which} bitmap`, offset);
    if (!hex) {
      for (let i = 0; i < 8; i++) bits[at + i] = buf[offset + i];
      return;
    }
    for (let i = 0; i < 8; i++) {
      const hi = HEX_VALUE[buf[offset + 2 * i]];
      const lo = HEX_VALUE[buf[offset + 2 * i + 1]];
      if (hi < 0 || lo < 0) throw new CodecError(`${which} bitmap is not hex text`, offset + 2 * i + (hi < 0 ? 0 : 1));
      bits[at + i] = (hi << 4) | lo;
    }
  }

  return {
    width: (secondary) => (secondary ? 2 * unit : unit),
    write(bits, secondary, out, offset) {
      const n = secondary ? 16 : 8;
      if (!hex) {
        for (let i = 0; i < n; i++) out[offset + i] = bits[i];
        return n;
      }
      for (let i = 0; i < n; i++) {
        out[offset + 2 * i] = HEX_UPPER.charCodeAt(bits[i] >> 4);
        out[offset + 2 * i + 1] = HEX_UPPER.charCodeAt(bits[i] & 0xf);
      }
      return 2 * n;
    },
    read(buf, offset, bits) {
      readOne(buf, offset, bits, 0, 'primary');
      if ((bits[0] & 0x80) === 0) {
        for (let i = 8; i < 16; i++) bits[i] = 0;
        return unit;
      }
      if (!allowSecondary) throw new CodecError('bit 1 announces a secondary bitmap, which this dialect does not allow', offset);
      readOne(buf, offset + unit, bits, 8, 'secondary');
      return 2 * unit;
    },
  };
}
