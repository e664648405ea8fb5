// The message type indicator: four digits, as 2 BCD bytes or 4 ASCII bytes.
import { hexByte as hexByteOf } from './encoding/bcd-core';
import { DIGIT_PAIRS } from './encoding/nibbles';
import { CodecError, type Dialect } from './types';

export interface MtiCodec {
  readonly width: number;
  write(mti: string, out: Buffer): void;
  read(buf: Buffer): string;
}

const MTI = /^[0-9]{4}$/;

export function checkMti(mti: unknown): string {
  if (typeof mti !== 'string' || !MTI.test(mti)) throw new CodecError(`MTI must be four digits, got ${JSON.stringify(mti)}`, 0);
  return mti;
}

export function buildMti(encoding: Dialect['mti']['encoding']): MtiCodec {
  if (encoding === 'bcd') {
    return {
      width: 2,
      write(mti, out) {
        out[0] = ((mti.charCodeAt(0) - 0x30) << 4) | (mti.charCodeAt(1) - 0x30);
        out[1] = ((mti.charCodeAt(2) - 0x30) << 4) | (mti.charCodeAt(3) - 0x30);
      },
      read(buf) {
        if (buf.length < 2) throw new CodecError('truncated: no room for the 2-byte MTI', 0);
        const a = DIGIT_PAIRS[buf[0]];
        if (a === null) throw new CodecError(`MTI byte ${hexByteOf(buf[0])} is not BCD`, 0);
        const b = DIGIT_PAIRS[buf[1]];
        if (b === null) throw new CodecError(`MTI byte ${hexByteOf(buf[1])} is not BCD`, 1);
        return a + b;
      },
    };
  }
  return {
    width: 4,
    write(mti, out) {
      out.write(mti, 0, 'latin1');
    },
    read(buf) {
      if (buf.length < 4) throw new CodecError('truncated: no room for the 4-byte MTI', 0);
      const mti = buf.toString('latin1', 0, 4);
      if (!MTI.test(mti)) throw new CodecError('MTI is not four ASCII digits', 0);
      return mti;
    },
  };
}
