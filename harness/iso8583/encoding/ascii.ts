import type { Encoder, Slot } from './encoder';

/** One byte per character. The field checks the character set; this only moves bytes. */
export const ascii: Encoder = {
  name: 'ascii',
  byteLength: (units) => units,
  encode: (value, out, offset) => out.write(value as string, offset, 'latin1'),
  decode(buf: Buffer, offset: number, units: number, slot: Slot): number {
    slot.value = buf.toString('latin1', offset, offset + units);
    return units;
  },
};
