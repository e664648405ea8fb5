// Human-readable views of decoded fields, with card data masked and secrets never shown.
import { maskPan } from '../security/card';
import type { FieldSpan } from './codec';
import type { Dialect, FieldSpec, FieldValue, Sensitivity } from './types';

/** EMV tags holding a PAN (5A) or track 2 equivalent data (57, 9F6B), masked first 6 / last 4. */
const ICC_PAN_TAGS = new Set(['5A', '57', '9F6B']);
/** EMV tags holding other cardholder data, starred whole: track 1 equivalent, name, track discretionary data. */
const ICC_STARRED_TAGS = new Set(['56', '5F20', '9F0B', '9F1F', '9F20']);

export interface FieldRow {
  field: number;
  name: string;
  format: string;
  /** Offset of the field (its prefix included) in the body, and its wire length. */
  offset: number;
  length: number;
  value: string;
  /** Set for the dialect's response-code field: the meaning from its response-code table. */
  meaning?: string;
}

/** "n..19 LL bcd-prefix lbcd", "b8 binary", "an12 ascii". */
export function formatOf(spec: FieldSpec): string {
  const size = spec.length === 'fixed' ? `${spec.type}${spec.max}` : `${spec.type}..${spec.max} ${spec.length}(${spec.prefix})`;
  return `${size} ${spec.encoding}`;
}

/** Track data: the PAN before '=' masked, everything after it starred. */
function maskTrack(value: string): string {
  const sep = value.search(/[=^]/);
  if (sep < 0) return maskPan(value);
  return maskPan(value.slice(0, sep)) + value[sep] + '*'.repeat(value.length - sep - 1);
}

/**
 * ICC data as hex with the card data inside it masked: each TLV as tag, length and value, where a PAN or track 2
 * value (BCD, 'D' separator, 'F' pad) keeps its first 6 and last 4 digits and other cardholder data is starred.
 * Data that does not parse as TLV is masked whole, since where its card data sits cannot be told.
 */
function maskIcc(data: Buffer): string {
  let out = '';
  let pos = 0;
  while (pos < data.length) {
    const start = pos;
    if ((data[pos++] & 0x1f) === 0x1f) {
      while (pos < data.length && data[pos] & 0x80) pos++;
      pos++;
    }
    if (pos >= data.length) return `[masked ${data.length} bytes: not TLV]`;
    const tag = data.toString('hex', start, pos).toUpperCase();
    let length = data[pos++];
    if (length === 0x81 || length === 0x82) {
      const n = length - 0x80;
      if (pos + n > data.length) return `[masked ${data.length} bytes: not TLV]`;
      length = data.readUIntBE(pos, n);
      pos += n;
    } else if (length > 0x80) {
      return `[masked ${data.length} bytes: not TLV]`;
    }
    if (pos + length > data.length) return `[masked ${data.length} bytes: not TLV]`;
    const value = data.toString('hex', pos, pos + length).toUpperCase();
    out += data.toString('hex', start, pos).toUpperCase();
    if (ICC_PAN_TAGS.has(tag)) {
      const digits = value.replace(/F+$/, '');
      out += maskTrack(digits.replace('D', '=')).replace('=', 'D') + value.slice(digits.length);
    } else if (ICC_STARRED_TAGS.has(tag)) {
      out += '*'.repeat(value.length);
    } else {
      out += value;
    }
    pos += length;
  }
  return out;
}

const HEX_TEXT = /^(?:[0-9A-Fa-f]{2})*$/;

/** ICC data as a field holds it: TLV bytes, or (in an ans field) the TLV bytes written as hex text. */
function maskIccValue(value: FieldValue): string {
  if (Buffer.isBuffer(value)) return maskIcc(value);
  if (!HEX_TEXT.test(value)) return `[masked ${value.length} characters: not hex TLV]`;
  return maskIcc(Buffer.from(value, 'hex'));
}

/** A field value as tools show it, per the field's `sensitive` mark; a secret is never shown, even unmasked. */
export function showValue(sensitive: Sensitivity | undefined, value: FieldValue, unmask: boolean): string {
  if (sensitive === 'secret') return `[redacted ${value.length} bytes]`;
  const clear = (): string => (Buffer.isBuffer(value) ? value.toString('hex').toUpperCase() : value);
  if (unmask || sensitive === undefined || sensitive === 'none') return clear();
  if (sensitive === 'icc') return maskIccValue(value);
  if (Buffer.isBuffer(value)) return `[masked ${value.length} bytes]`;
  return sensitive === 'pan' ? maskPan(value) : maskTrack(value);
}

export function fieldRows(dialect: Dialect, fields: { [field: number]: FieldValue }, spans: FieldSpan[], unmask: boolean): FieldRow[] {
  return spans.map((span) => {
    const spec = dialect.fields[span.field];
    const value = fields[span.field];
    const row: FieldRow = {
      field: span.field,
      name: spec.name,
      format: formatOf(spec),
      offset: span.offset,
      length: span.length,
      value: showValue(spec.sensitive, value, unmask),
    };
    if (spec.responseCode === true && typeof value === 'string') row.meaning = dialect.responseCodes[value] ?? 'unknown code';
    return row;
  });
}
