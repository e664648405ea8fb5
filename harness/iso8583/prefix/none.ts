import type { Prefixer } from './prefixer';

/** A fixed-length field: no prefix; the caller knows the length. */
export const none: Prefixer = {
  width: 0,
  maxLength: Number.MAX_SAFE_INTEGER,
  encode: () => undefined,
  decode: () => 0,
};
