import { bcdByteLength, readBcd, writeBcd } from './bcd-core';
import type { Encoder, Slot } from './encoder';

/** Packed BCD, right-aligned: an odd number of digits gets a leading 0 nibble. `track` maps '=' to nibble D. */
export function bcd(track = false): Encoder {
  return {
    name: 'bcd',
    byteLength: bcdByteLength,
    encode: (value, out, offset) => writeBcd(value as string, out, offset, false),
    decode(buf: Buffer, offset: number, units: number, slot: Slot): number {
      slot.value = readBcd(buf, offset, units, false, track);
      return bcdByteLength(units);
    },
  };
}
