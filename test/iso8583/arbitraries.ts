// fast-check arbitraries that produce valid values and messages for any dialect, from its field specs alone.
import fc from 'fast-check';
import type { Dialect, FieldSpec, FieldValue, IsoMessage } from '../../harness/iso8583';

const DIGITS = '0123456789'.split('');
const TRACK = [...DIGITS, '='];
const AN = [...DIGITS, ...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz '.split('')];
const ANS = Array.from({ length: 0x7f - 0x20 }, (_, i) => String.fromCharCode(0x20 + i));

function text(chars: string[], min: number, max: number): fc.Arbitrary<string> {
  return fc.string({ unit: fc.constantFrom(...chars), minLength: min, maxLength: max, size: 'max' });
}

/** A value the field accepts exactly as given (fixed fields at full length, so no padding). */
export function fieldValue(spec: FieldSpec, maxVar = spec.max): fc.Arbitrary<FieldValue> {
  const min = spec.length === 'fixed' ? spec.max : 0;
  const max = spec.length === 'fixed' ? spec.max : Math.min(spec.max, maxVar);
  switch (spec.type) {
    case 'n':
      return text(DIGITS, min, max);
    case 'z':
      return text(TRACK, min, max);
    case 'x+n':
      return fc.tuple(fc.constantFrom('C', 'D'), text(DIGITS, spec.max, spec.max)).map(([s, d]) => s + d);
    case 'an':
      return text(AN, min, max);
    case 'ans':
      return text(ANS, min, max);
    case 'b':
      return fc.uint8Array({ minLength: min, maxLength: max, size: 'max' }).map((a) => Buffer.from(a));
  }
}

/** A message with any subset of the dialect's fields (variable fields capped at `maxVar` units to keep runs quick). */
export function message(dialect: Dialect, maxVar = 40): fc.Arbitrary<IsoMessage> {
  const nums = Object.keys(dialect.fields).map(Number);
  const macMoves = (dialect.mac.fields as readonly number[] | undefined)?.includes(128) === true;
  return fc
    .tuple(
      text(DIGITS, 4, 4),
      fc.tuple(...nums.map((n) => fc.option(fieldValue(dialect.fields[n], maxVar), { nil: undefined, freq: 2 }))),
    )
    .map(([mti, values]) => {
      const fields: { [n: number]: FieldValue } = {};
      values.forEach((v, i) => {
        if (v !== undefined) fields[nums[i]] = v;
      });
      // A dialect that moves the MAC to 128 with the secondary bitmap refuses a MAC in 64 alongside fields above 64.
      if (macMoves && Object.keys(fields).some((k) => Number(k) > 64)) delete fields[64];
      return { mti, fields };
    });
}

const TYPES_ENCODINGS: [FieldSpec['type'], FieldSpec['encoding'][]][] = [
  ['n', ['ascii', 'bcd', 'lbcd']],
  ['z', ['ascii', 'bcd', 'lbcd']],
  ['an', ['ascii']],
  ['ans', ['ascii']],
  ['b', ['binary', 'hex']],
];
const LENGTHS: Pick<FieldSpec, 'length' | 'prefix'>[] = [
  { length: 'fixed' },
  { length: 'LL', prefix: 'ascii' },
  { length: 'LL', prefix: 'bcd' },
  { length: 'LL', prefix: 'binary' },
  { length: 'LLL', prefix: 'ascii' },
  { length: 'LLL', prefix: 'bcd' },
  { length: 'LLL', prefix: 'binary' },
];

/** One dialect holding every combination of type, encoding and length prefix (odd sizes to exercise padding nibbles). */
export function everyKindDialect(mti: 'bcd' | 'ascii', bitmap: 'binary' | 'hex'): Dialect {
  const fields: Dialect['fields'] = {};
  let num = 2;
  for (const [type, encodings] of TYPES_ENCODINGS) {
    for (const encoding of encodings) {
      for (const l of LENGTHS) {
        if (num === 64) num++;
        const max = l.length === 'fixed' ? 7 : l.length === 'LL' ? 99 : 211;
        fields[num] = { name: `${type}/${encoding}/${l.length}/${l.prefix ?? 'none'}`, type, encoding, ...l, max };
        num++;
      }
    }
  }
  for (const encoding of ['ascii', 'bcd', 'lbcd'] as const) fields[num++] = { name: `x+n/${encoding}`, type: 'x+n', encoding, length: 'fixed', max: 9 };
  fields[64] = { name: 'MAC', type: 'b', encoding: 'binary', length: 'fixed', max: 8 };
  return {
    name: `every-kind-${mti}-${bitmap}`,
    framing: { length: { encoding: 'binary', bytes: 2, includesHeader: true }, tpdu: false, headerLength: 0, maxFrameLength: 65535 },
    mti: { encoding: mti },
    bitmap: { encoding: bitmap, secondary: true },
    fields,
    mac: { algorithm: 'x9.9', keyBytes: 8 },
    responseCodes: { '00': 'approved' },
  };
}
