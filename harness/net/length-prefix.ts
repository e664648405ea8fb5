// The frame length: binary big-endian, BCD or ASCII digits, in a fixed number of bytes.
import { CodecError, type FramingSpec } from '../iso8583/types';

type LengthSpec = FramingSpec['length'];

export function writeLength(spec: LengthSpec, length: number, out: Buffer): void {
  const { bytes } = spec;
  let rest = length;
  for (let i = bytes - 1; i >= 0; i--) {
    if (spec.encoding === 'binary') {
      out[i] = rest & 0xff;
      rest = Math.floor(rest / 256);
    } else if (spec.encoding === 'bcd') {
      const pair = rest % 100;
      out[i] = (Math.floor(pair / 10) << 4) | pair % 10;
      rest = Math.floor(rest / 100);
    } else {
      out[i] = 0x30 + (rest % 10);
      rest = Math.floor(rest / 10);
    }
  }
  if (rest !== 0) throw new CodecError(`frame length ${length} does not fit a ${bytes}-byte ${spec.encoding} length`, 0);
}

/** The declared length in `buf[offset..offset+bytes)`; CodecError when the bytes are not of the encoding. */
export function readLength(spec: LengthSpec, buf: Buffer, offset: number): number {
  let n = 0;
  for (let i = 0; i < spec.bytes; i++) {
    const b = buf[offset + i];
    if (spec.encoding === 'binary') {
      n = n * 256 + b;
    } else if (spec.encoding === 'bcd') {
      const hi = b >> 4;
      const lo = b & 0xf;
      if (hi > 9 || lo > 9) throw new CodecError(`frame length byte ${i + 1} is not BCD`, offset + i);
      n = n * 100 + hi * 10 + lo;
    } else {
      const d = b - 0x30;
      if (d < 0 || d > 9) throw new CodecError(`frame length byte ${i + 1} is not an ASCII digit`, offset + i);
      n = n * 10 + d;
    }
  }
  return n;
}
