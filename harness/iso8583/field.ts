// A field kind: a content type, an encoder and a prefixer composed into one closure set per field, built once.
import { CHARSET_TEXT, contentCheck, describeChar, type ContentCheck } from './content';
import { encoderFor, type Slot } from './encoding';
import { prefixerFor } from './prefix';
import { CodecError, type FieldSpec, type FieldValue } from './types';

export interface FieldCodec {
  readonly number: number;
  readonly spec: FieldSpec;
  /** Validates a value and returns the form that goes on the wire (fixed n padded with leading zeros, an/ans with trailing spaces). */
  prepare(value: FieldValue): FieldValue;
  /** Wire bytes of a prepared value, prefix included. */
  size(prepared: FieldValue): number;
  /** Writes a prepared value; returns the bytes written. */
  write(prepared: FieldValue, out: Buffer, offset: number): number;
  /** Reads the field at `offset` into `slot.value`; returns the bytes read. Throws CodecError naming this field. */
  read(buf: Buffer, offset: number, slot: Slot): number;
}

const SIGN_C = 0x43;
const SIGN_D = 0x44;

export function buildField(num: number, spec: FieldSpec): FieldCodec {
  const encoder = encoderFor(spec.encoding, spec.type);
  const prefixer = prefixerFor(spec.length, spec.prefix);
  const fixed = spec.length === 'fixed';
  const max = spec.max;
  const isBytes = spec.type === 'b';
  const signed = spec.type === 'x+n';
  const signBytes = signed ? 1 : 0;
  const check: ContentCheck | null = isBytes ? null : contentCheck(spec.type as Exclude<FieldSpec['type'], 'b'>);
  // Only text read byte for byte can hold a character outside the set; BCD and hex decoders reject those themselves.
  const checkOnRead = spec.encoding === 'ascii';
  const padChar = spec.type === 'n' || signed ? '0' : spec.type === 'an' || spec.type === 'ans' ? ' ' : null;
  const padLeft = padChar === '0';
  const unitName = spec.type === 'n' || spec.type === 'z' || signed ? 'digits' : 'bytes';
  const fail = (reason: string, offset = 0): never => {
    throw new CodecError(reason, offset, num);
  };

  function prepare(value: FieldValue): FieldValue {
    if (isBytes) {
      if (!Buffer.isBuffer(value)) return fail(`type b needs a Buffer, got ${typeof value}`);
      if (value.length > max) return fail(`value too long: ${value.length} bytes, at most ${max}`);
      if (fixed && value.length !== max) return fail(`value must be exactly ${max} bytes, got ${value.length}`);
      return value;
    }
    if (typeof value !== 'string') return fail(`type ${spec.type} needs a string, got ${Buffer.isBuffer(value) ? 'a Buffer' : typeof value}`);
    let from = 0;
    if (signed) {
      const s = value.charCodeAt(0);
      if (s !== SIGN_C && s !== SIGN_D) return fail(`type x+n needs 'C' or 'D' first`);
      from = 1;
    }
    const units = value.length - from;
    if (units > max) return fail(`value too long: ${units} ${unitName}, at most ${max}`);
    const bad = check!(value, from);
    if (bad >= 0) return fail(`character ${describeChar(value, bad)} at position ${bad} is not allowed in type ${spec.type} (${CHARSET_TEXT[spec.type as 'n']})`);
    if (fixed && units < max) {
      if (padChar === null) return fail(`value must be exactly ${max} ${unitName}, got ${units}`);
      const pad = padChar.repeat(max - units);
      return padLeft ? value.slice(0, from) + pad + value.slice(from) : value + pad;
    }
    return value;
  }

  function size(prepared: FieldValue): number {
    return prefixer.width + signBytes + encoder.byteLength(prepared.length - signBytes);
  }

  function write(prepared: FieldValue, out: Buffer, offset: number): number {
    let pos = offset;
    if (!fixed) {
      prefixer.encode(prepared.length - signBytes, out, pos);
      pos += prefixer.width;
    }
    if (signed) {
      out[pos++] = (prepared as string).charCodeAt(0);
      pos += encoder.encode((prepared as string).slice(1), out, pos);
    } else {
      pos += encoder.encode(prepared, out, pos);
    }
    return pos - offset;
  }

  function read(buf: Buffer, offset: number, slot: Slot): number {
    let pos = offset;
    let units = max;
    try {
      if (!fixed) {
        if (pos + prefixer.width > buf.length) fail(`truncated: the ${prefixer.width}-byte length prefix runs past the end`, pos);
        units = prefixer.decode(buf, pos);
        if (units > max) fail(`declared length ${units} exceeds the maximum ${max}`, pos);
        pos += prefixer.width;
      }
      const need = signBytes + encoder.byteLength(units);
      if (pos + need > buf.length) fail(`truncated: needs ${need} bytes, ${buf.length - pos} left`, pos);
      let sign = '';
      if (signed) {
        const s = buf[pos];
        if (s !== SIGN_C && s !== SIGN_D) fail(`amount sign byte is not 'C' or 'D'`, pos);
        sign = s === SIGN_C ? 'C' : 'D';
        pos++;
      }
      pos += encoder.decode(buf, pos, units, slot);
      if (checkOnRead) {
        const text = slot.value as string;
        const bad = check!(text, 0);
        if (bad >= 0) fail(`byte ${describeChar(text, bad)} is not allowed in type ${spec.type}`, pos - units + bad);
      }
      if (signed) slot.value = sign + (slot.value as string);
    } catch (err) {
      if (err instanceof CodecError && err.field === null) throw new CodecError(err.reason, err.offset, num);
      throw err;
    }
    return pos - offset;
  }

  return { number: num, spec, prepare, size, write, read };
}
