import type { Prefixer } from './prefixer';

/** LL as one binary byte, LLL as two big-endian bytes. */
export function binaryPrefix(digits: 2 | 3): Prefixer {
  const width = digits === 2 ? 1 : 2;
  return {
    width,
    maxLength: width === 1 ? 0xff : 0xffff,
    encode(length, out, offset) {
      if (width === 2) out.writeUInt16BE(length, offset);
      else out[offset] = length;
    },
    decode: (buf, offset) => (width === 2 ? (buf[offset] << 8) | buf[offset + 1] : buf[offset]),
  };
}
