import type { ContentType, FieldEncoding } from '../types';
import { ascii } from './ascii';
import { bcd } from './bcd';
import { binary } from './binary';
import type { Encoder } from './encoder';
import { hex } from './hex';
import { lbcd } from './lbcd';

export type { Encoder, Slot } from './encoder';

const trackBcd = bcd(true);
const digitBcd = bcd(false);
const trackLbcd = lbcd(true);
const digitLbcd = lbcd(false);

/** The encoder for an encoding; BCD ones read nibble D as '=' only for track data (type z). */
export function encoderFor(encoding: FieldEncoding, type: ContentType): Encoder {
  const track = type === 'z';
  switch (encoding) {
    case 'ascii':
      return ascii;
    case 'bcd':
      return track ? trackBcd : digitBcd;
    case 'lbcd':
      return track ? trackLbcd : digitLbcd;
    case 'binary':
      return binary;
    case 'hex':
      return hex;
  }
}
