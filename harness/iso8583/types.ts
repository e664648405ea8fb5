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

// ---- Dialects: data describing one flavour of ISO 8583 (JSON-serialisable) ----

/** How a frame is delimited on a stream: length prefix, optional TPDU and application header. */
export interface FramingSpec {
  /** includesHeader: the declared length counts TPDU + header + body (CUP: true); otherwise only the body. */
  length: { encoding: 'binary' | 'bcd' | 'ascii'; bytes: number; includesHeader: boolean };
  /** A 5-byte TPDU follows the length. */
  tpdu: boolean;
  /** 0, or 6 for the CUP application header. */
  headerLength: number;
  /** A longer declared length is a CodecError ("a length that lies"). */
  maxFrameLength: number;
}

/** n digits; an letters, digits, space; ans printable ASCII; b bytes; z track data (digits, '='); x+n C/D + digits. */
export type ContentType = 'n' | 'an' | 'ans' | 'b' | 'z' | 'x+n';
/** ascii text; bcd right-aligned (leading pad nibble); lbcd left-aligned (trailing pad nibble); binary bytes; hex text of bytes. */
export type FieldEncoding = 'ascii' | 'bcd' | 'lbcd' | 'binary' | 'hex';
/** fixed: exactly `max` units; LL / LLL: a 2- or 3-digit length prefix, at most `max` units. */
export type LengthKind = 'fixed' | 'LL' | 'LLL';
/** How an LL/LLL prefix is written: ascii digits (2/3 bytes), bcd (1/2 bytes), binary big-endian (1/2 bytes). */
export type PrefixEncoding = 'ascii' | 'bcd' | 'binary';

/** One data element. Units: digits for n, z and x+n (the sign not counted); bytes for an, ans and b. */
export interface FieldSpec {
  name: string;
  type: ContentType;
  encoding: FieldEncoding;
  length: LengthKind;
  /** Required for LL/LLL, absent for fixed. */
  prefix?: PrefixEncoding;
  /** The fixed length, or the maximum for LL/LLL. */
  max: number;
  /**
   * What card data or secret the field holds, which decides how tools show it: `pan` masked first 6 / last 4,
   * `track` the PAN part masked and the rest starred, `icc` EMV TLVs with the card data inside masked (binary, or
   * hex text), `secret` never shown (PIN block, key material), `none` shown as it is. Absent: the ISO 8583:1987
   * role of the field number (2 and 34 pan; 35, 36 and 45 track; 52 secret; 55 icc), else none.
   */
  sensitive?: Sensitivity;
  /** The field's value is a response code, shown with its meaning from `responseCodes` (field 39 in the built-ins). */
  responseCode?: boolean;
}

export type Sensitivity = 'pan' | 'track' | 'icc' | 'secret' | 'none';

export type MacAlgorithmName = 'cup-ecb' | 'x9.9' | 'x9.19';

/**
 * How a dialect authenticates its messages. The MAC field is type b, fixed, 8 bytes, binary or hex (16 hex
 * characters); the MAB runs from the MTI up to, not including, the MAC field.
 */
export interface MacSpec {
  algorithm: MacAlgorithmName;
  keyBytes: 8 | 16;
  /**
   * The MAC field(s). [64]: always field 64 (fields above 64, if any, follow it unauthenticated). [64, 128]: ISO
   * 8583:1987, field 64 when only the primary bitmap is present and 128 when the secondary is; field 64 alongside
   * fields above 64 is then refused. Absent: [64].
   */
  fields?: [64] | [64, 128];
  /** ISO 9797-1 padding method: 1 zeros (the default), 2 0x80 then zeros. */
  padding?: 1 | 2;
  /** cup-ecb only: `single` (default) the first 8 bytes of the MAK, single DES; `double` the whole 16-byte MAK as 2-key 3DES. */
  cupEcbKey?: 'single' | 'double';
}

export interface Dialect {
  name: string;
  description?: string;
  /** Default framing of the link that speaks this dialect. */
  framing: FramingSpec;
  /** Default TPDU (hex, 5 bytes) when framing.tpdu; default application header (hex) when framing.headerLength > 0. */
  tpdu?: string;
  header?: string;
  mti: { encoding: 'bcd' | 'ascii' };
  /**
   * The message types this link uses: MTI → what it is. Optional; tools show the name (`posfault decode`). Packing
   * and unpacking do not restrict the MTI to this list.
   */
  messageTypes?: { [mti: string]: string };
  /** binary: 8 bytes per bitmap; hex: 16 hex characters per bitmap. secondary: bit 1 announces fields 65-128. */
  bitmap: { encoding: 'binary' | 'hex'; secondary: boolean };
  /** Field number (2..128, as a string key) → spec. */
  fields: { [field: string]: FieldSpec };
  /** The MAC algorithm and where the MAC sits (see MacSpec). */
  mac: MacSpec;
  /** Field 39 code → meaning. */
  responseCodes: { [code: string]: string };
  /** Field 39 codes after which a terminal drops its working keys and signs on again (CUP: A0 MAC error, 99 PIN
   *  format error, 77 batch mismatch). Absent: those three. */
  signOnAgainCodes?: string[];
}
