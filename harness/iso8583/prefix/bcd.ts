import { CodecError } from '../types';
import type { Prefixer } from './prefixer';

/** LL as one BCD byte, LLL as two (`00 19` = 19). */
export function bcdPrefix(digits: 2 | 3): Prefixer {
  const width = digits === 2 ? 1 : 2;
  return {
    width,
    maxLength: digits === 2 ? 99 : 999,
    encode(length, out, offset) {
      if (width === 2) {
        out[offset] = Math.floor(length / 100);
        offset++;
      }
      const low = length % 100;
      out[offset] = (Math.floor(low / 10) << 4) | low % 10;
    },
    decode(buf, offset) {
      let n = 0;
      for (let i = 0; i < width; i++) {
        const b = buf[offset + i];
        const hi = b >> 4;
        const lo = b & 0xf;
        if (hi > 9 || lo > 9) throw new CodecError(`length prefix byte ${i + 1} is not BCD`, offset + i);
        n = n * 100 + hi * 10 + lo;
      }
      return n;
    },
  };
}
