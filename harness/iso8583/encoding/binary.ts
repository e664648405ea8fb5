import type { Encoder, Slot } from './encoder';

/** Bytes as they are. Decoding copies, so a message never aliases the buffer it came from. */
export const binary: Encoder = {
  name: 'binary',
  byteLength: (units) => units,
  encode: (value, out, offset) => (value as Buffer).copy(out, offset),
  decode(buf: Buffer, offset: number, units: number, slot: Slot): number {
    const copy = Buffer.allocUnsafe(units);
    buf.copy(copy, 0, offset, offset + units);
    slot.value = copy;
    return units;
  },
};
