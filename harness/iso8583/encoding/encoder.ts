import type { FieldEncoding, FieldValue } from '../types';

/** Where a decoder leaves the value it read; reused across calls so decoding allocates only the value. */
export interface Slot {
  value: FieldValue;
}

/** Turns field content (digits, text, bytes) into wire bytes and back. Lengths are in content units. */
export interface Encoder {
  readonly name: FieldEncoding;
  /** Wire bytes taken by `units` content units. */
  byteLength(units: number): number;
  /** Writes an already validated value at `offset`; returns the bytes written. */
  encode(value: FieldValue, out: Buffer, offset: number): number;
  /**
   * Reads `units` content units at `offset` (the caller has checked the bytes are there) into `slot.value`;
   * returns the bytes read. Throws CodecError (field unset) on bytes this encoding cannot produce.
   */
  decode(buf: Buffer, offset: number, units: number, slot: Slot): number;
}
