import { CodecError } from '../types';
import type { Prefixer } from './prefixer';

/** LL / LLL as ASCII digits: 2 or 3 bytes. */
export function asciiPrefix(digits: 2 | 3): Prefixer {
  return {
    width: digits,
    maxLength: digits === 2 ? 99 : 999,
    encode(length, out, offset) {
      for (let i = digits - 1; i >= 0; i--) {
        out[offset + i] = 0x30 + (length % 10);
        length = Math.floor(length / 10);
      }
    },
    decode(buf, offset) {
      let n = 0;
      for (let i = 0; i < digits; i++) {
        const d = buf[offset + i] - 0x30;
        if (d < 0 || d > 9) throw new CodecError(`length prefix byte ${i + 1} is not an ASCII digit`, offset + i);
        n = n * 10 + d;
      }
      return n;
    },
  };
}
