import { bcdByteLength, readBcd, writeBcd } from './bcd-core';
import type { Encoder, Slot } from './encoder';

/** Packed BCD, left-aligned: an odd number of digits gets a trailing 0 nibble. `track` maps '=' to nibble D. */
export function lbcd(track = false): Encoder {
  return {
    name: 'lbcd',
    byteLength: bcdByteLength,
    encode: (value, out, offset) => writeBcd(value as string, out, offset, true),
    decode(buf: Buffer, offset: number, units: number, slot: Slot): number {
      slot.value = readBcd(buf, offset, units, true, track);
      return bcdByteLength(units);
    },
  };
}
