// Packed BCD with a pad nibble at the start (right-aligned) or the end (left-aligned) of an odd-length value.
import { CodecError } from '../types';
import { DIGIT_OF, DIGIT_PAIRS, TRACK_OF, TRACK_PAIRS, nibbleOf } from './nibbles';

export function bcdByteLength(units: number): number {
  return (units + 1) >> 1;
}

/** Writes digits (and '=' as nibble D) two to a byte; an odd value gets a 0 pad nibble first or last. */
export function writeBcd(value: string, out: Buffer, offset: number, leftAligned: boolean): number {
  const len = value.length;
  let pos = offset;
  let i = 0;
  if (len & 1 && !leftAligned) {
    out[pos++] = nibbleOf(value.charCodeAt(0));
    i = 1;
  }
  for (; i + 1 < len; i += 2) out[pos++] = (nibbleOf(value.charCodeAt(i)) << 4) | nibbleOf(value.charCodeAt(i + 1));
  if (i < len) out[pos++] = nibbleOf(value.charCodeAt(i)) << 4;
  return pos - offset;
}

/** Reads `units` characters; a pad nibble must be 0 and every other nibble a digit (or D in track data). */
export function readBcd(buf: Buffer, offset: number, units: number, leftAligned: boolean, track: boolean): string {
  const pairs = track ? TRACK_PAIRS : DIGIT_PAIRS;
  const single = track ? TRACK_OF : DIGIT_OF;
  const bytes = (units + 1) >> 1;
  const odd = (units & 1) === 1;
  let s = '';
  let start = offset;
  let end = offset + bytes;
  if (odd && !leftAligned) {
    const b = buf[start];
    if (b >> 4 !== 0) throw new CodecError(`pad nibble ${hexByte(b)} is not 0`, start);
    const c = single[b & 0xf];
    if (c === null) throw new CodecError(`BCD byte ${hexByte(b)} is not a digit`, start);
    s = c;
    start++;
  } else if (odd) {
    end--;
  }
  for (let p = start; p < end; p++) {
    const pair = pairs[buf[p]];
    if (pair === null) throw new CodecError(`BCD byte ${hexByte(buf[p])} is not ${track ? 'track data' : 'two digits'}`, p);
    s += pair;
  }
  if (odd && leftAligned) {
    const b = buf[end];
    if ((b & 0xf) !== 0) throw new CodecError(`pad nibble in ${hexByte(b)} is not 0`, end);
    const c = single[b >> 4];
    if (c === null) throw new CodecError(`BCD byte ${hexByte(b)} is not a digit`, end);
    s += c;
  }
  return s;
}

export function hexByte(b: number): string {
  return b.toString(16).toUpperCase().padStart(2, '0');
}
