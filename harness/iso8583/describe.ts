// Human-readable views of decoded fields, with card data masked and secrets never shown.
import { maskPan } from '../security/card';
import type { FieldSpan } from './codec';
import type { Dialect, FieldSpec, FieldValue } from './types';

/** Fields whose value is a PAN or holds one (track data), masked first 6 / last 4 unless asked otherwise. */
const CARD_FIELDS = new Set([2, 34, 35, 36, 45]);
/** Fields never shown, masked or not: the PIN block and sign-on key material. */
const SECRET_FIELDS = new Set([52, 62]);

export interface FieldRow {
  field: number;
  name: string;
  format: string;
  /** Offset of the field (its prefix included) in the body, and its wire length. */
  offset: number;
  length: number;
  value: string;
  /** Set for field 39: the meaning from the dialect's response-code table. */
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

export function showValue(field: number, value: FieldValue, unmask: boolean): string {
  if (SECRET_FIELDS.has(field)) return `[redacted ${value.length} bytes]`;
  const masked = CARD_FIELDS.has(field) && !unmask;
  if (Buffer.isBuffer(value)) return masked ? `[masked ${value.length} bytes]` : value.toString('hex').toUpperCase();
  if (!masked) return value;
  return field === 2 || field === 34 ? maskPan(value) : maskTrack(value);
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
      value: showValue(span.field, value, unmask),
    };
    if (span.field === 39 && typeof value === 'string') row.meaning = dialect.responseCodes[value] ?? 'unknown code';
    return row;
  });
}
