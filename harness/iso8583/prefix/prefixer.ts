/** Writes and reads the length of a variable field. `digits` is 2 for LL, 3 for LLL (0 for a fixed field). */
export interface Prefixer {
  /** Bytes the prefix takes on the wire. */
  readonly width: number;
  /** Largest length the prefix can express. */
  readonly maxLength: number;
  encode(length: number, out: Buffer, offset: number): void;
  /** Reads the length at `offset` (the caller has checked `width` bytes are there). Throws CodecError. */
  decode(buf: Buffer, offset: number): number;
}
