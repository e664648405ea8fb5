// The codec's public contract. Terminal, switch, issuer and tools code against these names; the codec
// implements them. Add to this file freely; change a signature only together with every caller.

/** Field values: `b` fields are Buffers, every other content type is a string (digits, text, track 2 with '='). */
export type FieldValue = string | Buffer;

export interface IsoMessage {
  /** Four digits, e.g. "0200". */
  mti: string;
  /** Field number (2..128) → value. Bitmaps are derived from the fields present, never given. */
  fields: { [field: number]: FieldValue };
}

/** The single error type of decoding and encoding: which field, where in the bytes, and why. */
export class CodecError extends Error {
  constructor(
    readonly reason: string,
    readonly offset: number,
    readonly field: number | null = null,
  ) {
    super(`${field === null ? '' : `field ${field}: `}${reason} (at byte ${offset})`);
    this.name = 'CodecError';
  }
}

/** One framed message as it travels: the optional TPDU and application header, then the ISO 8583 body. */
export interface Frame {
  tpdu?: Buffer;
  header?: Buffer;
  body: Buffer;
}
