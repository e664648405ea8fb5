import type { LengthKind, PrefixEncoding } from '../types';
import { asciiPrefix } from './ascii';
import { bcdPrefix } from './bcd';
import { binaryPrefix } from './binary';
import { none } from './none';
import type { Prefixer } from './prefixer';

export type { Prefixer } from './prefixer';

/** The prefixer of a field: none for fixed, otherwise LL/LLL in the given encoding. */
export function prefixerFor(length: LengthKind, encoding: PrefixEncoding | undefined): Prefixer {
  if (length === 'fixed') return none;
  const digits = length === 'LL' ? 2 : 3;
  switch (encoding) {
    case 'ascii':
      return asciiPrefix(digits);
    case 'bcd':
      return bcdPrefix(digits);
    case 'binary':
      return binaryPrefix(digits);
    default:
      throw new Error(`a ${length} field needs a prefix encoding`);
  }
}
