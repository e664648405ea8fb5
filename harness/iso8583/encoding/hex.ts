import { CodecError } from '../types';
import type { Encoder, Slot } from './encoder';

const HEX_DIGIT = /^[0-9A-Fa-f]*$/;

/** Bytes written as upper-case hex text, two characters per byte (either case accepted when reading). */
export const hex: Encoder = {
  name: 'hex',
  byteLength: (units) => units * 2,
  encode: (value, out, offset) => out.write((value as Buffer).toString('hex').toUpperCase(), offset, 'latin1'),
  decode(buf: Buffer, offset: number, units: number, slot: Slot): number {
    const text = buf.toString('latin1', offset, offset + units * 2);
    if (!HEX_DIGIT.test(text)) throw new CodecError('hex text holds a character that is not a hex digit', offset);
    slot.value = Buffer.from(text, 'hex');
    return units * 2;
  },
};
