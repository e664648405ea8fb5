// Validation of a dialect (built-in, from a user file, or built in code): every mistake reported with its path.
import { z } from 'zod';
import type { ContentType, Dialect, FieldEncoding, Sensitivity } from './types';

export class DialectError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source} is not a valid dialect:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'DialectError';
  }
}

const ENCODINGS_OF: Record<ContentType, FieldEncoding[]> = {
  n: ['ascii', 'bcd', 'lbcd'],
  z: ['ascii', 'bcd', 'lbcd'],
  'x+n': ['ascii', 'bcd', 'lbcd'],
  an: ['ascii'],
  ans: ['ascii'],
  b: ['binary', 'hex'],
};
const FIELD_KEY = /^(?:[2-9]|[1-9][0-9]|1[01][0-9]|12[0-8])$/;
const HEX = /^(?:[0-9A-Fa-f]{2})*$/;
/** Largest length each length encoding can express in `bytes` bytes. */
const LENGTH_CAPACITY = {
  binary: (bytes: number) => 2 ** (8 * bytes) - 1,
  bcd: (bytes: number) => 10 ** (2 * bytes) - 1,
  ascii: (bytes: number) => 10 ** bytes - 1,
};

const fieldSpec = z
  .strictObject({
    name: z.string().min(1),
    type: z.enum(['n', 'an', 'ans', 'b', 'z', 'x+n']),
    encoding: z.enum(['ascii', 'bcd', 'lbcd', 'binary', 'hex']),
    length: z.enum(['fixed', 'LL', 'LLL']),
    prefix: z.enum(['ascii', 'bcd', 'binary']).optional(),
    max: z.number().int().min(1).max(999),
    sensitive: z.enum(['pan', 'track', 'icc', 'secret', 'none']).optional(),
    responseCode: z.boolean().optional(),
  })
  .superRefine((f, ctx) => {
    if (!ENCODINGS_OF[f.type].includes(f.encoding)) {
      ctx.addIssue({ code: 'custom', path: ['encoding'], message: `type ${f.type} cannot use encoding ${f.encoding} (use ${ENCODINGS_OF[f.type].join(', ')})` });
    }
    if (f.length === 'fixed' && f.prefix !== undefined) ctx.addIssue({ code: 'custom', path: ['prefix'], message: 'a fixed field has no length prefix' });
    if (f.length !== 'fixed' && f.prefix === undefined) ctx.addIssue({ code: 'custom', path: ['prefix'], message: `an ${f.length} field needs a prefix: ascii, bcd or binary` });
    if (f.length === 'LL' && f.max > 99) ctx.addIssue({ code: 'custom', path: ['max'], message: `an LL field holds at most 99, not ${f.max}` });
    if (f.type === 'x+n' && f.length !== 'fixed') ctx.addIssue({ code: 'custom', path: ['length'], message: 'type x+n must be fixed length' });
  });

const framingSpec = z
  .strictObject({
    length: z.strictObject({
      encoding: z.enum(['binary', 'bcd', 'ascii']),
      bytes: z.number().int().min(1).max(4),
      includesHeader: z.boolean(),
    }),
    tpdu: z.boolean(),
    headerLength: z.number().int().min(0).max(64),
    maxFrameLength: z.number().int().min(1).max(65535),
  })
  .superRefine((f, ctx) => {
    const capacity = LENGTH_CAPACITY[f.length.encoding](f.length.bytes);
    if (f.maxFrameLength > capacity) {
      ctx.addIssue({ code: 'custom', path: ['maxFrameLength'], message: `${f.maxFrameLength} does not fit a ${f.length.bytes}-byte ${f.length.encoding} length (at most ${capacity})` });
    }
  });

const dialectSchema = z
  .strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    framing: framingSpec,
    tpdu: z.string().regex(/^[0-9A-Fa-f]{10}$/, 'must be 10 hex characters (5 bytes)').optional(),
    header: z.string().regex(HEX, 'must be hex text').optional(),
    mti: z.strictObject({ encoding: z.enum(['bcd', 'ascii']) }),
    messageTypes: z.record(z.string(), z.string().min(1, 'say what the message is')).optional(),
    bitmap: z.strictObject({ encoding: z.enum(['binary', 'hex']), secondary: z.boolean() }),
    fields: z.record(z.string(), fieldSpec),
    mac: z.strictObject({
      algorithm: z.enum(['cup-ecb', 'x9.9', 'x9.19']),
      keyBytes: z.union([z.literal(8), z.literal(16)]),
      // Shapes and values of these three are checked in crossChecks, which words the error.
      fields: z.array(z.unknown()).optional(),
      padding: z.unknown().optional(),
      cupEcbKey: z.unknown().optional(),
    }),
    responseCodes: z.record(z.string(), z.string()),
    signOnAgainCodes: z.array(z.string().regex(/^[0-9A-Z]{2}$/, 'a response code is two digits or capital letters')).optional(),
  });

type Loose = { [key: string]: unknown };
const isObject = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The card-data role of a field number in ISO 8583:1987, used when a field spec does not say. */
const ISO_1987_SENSITIVE: Readonly<Record<string, Sensitivity>> = { 2: 'pan', 34: 'pan', 35: 'track', 36: 'track', 45: 'track', 52: 'secret', 55: 'icc' };

/** The MAC field numbers a dialect declares ([64] when it declares none). */
export function macFieldsOf(mac: Dialect['mac']): readonly number[] {
  return mac.fields ?? [64];
}

function macChecks(d: Loose, mac: Loose, bitmap: Loose): string[] {
  const problems: string[] = [];
  const declared = mac.fields;
  let macFields: number[] = [64];
  if (declared !== undefined) {
    const ok = Array.isArray(declared) && declared[0] === 64 && (declared.length === 1 || (declared.length === 2 && declared[1] === 128));
    if (!ok) problems.push(`mac.fields: [64] (the MAC is always field 64) or [64, 128] (ISO 8583:1987: 64 with only the primary bitmap, 128 with the secondary), not ${JSON.stringify(declared)}`);
    else macFields = declared as number[];
  }
  const fields = isObject(d.fields) ? d.fields : {};
  for (const num of macFields) {
    const spec = fields[String(num)];
    if (num === 128) {
      if (bitmap.secondary !== true) problems.push('mac.fields: a MAC in field 128 needs bitmap.secondary: true');
      if (spec === undefined) problems.push('mac.fields: the MAC may be field 128, but the dialect has no field 128');
    }
    if (isObject(spec) && !(spec.type === 'b' && spec.length === 'fixed' && spec.max === 8 && (spec.encoding === 'binary' || spec.encoding === 'hex'))) {
      problems.push(`fields.${num}: field ${num} carries the MAC: type b, fixed, max 8, encoding binary (8 bytes) or hex (16 hex characters)`);
    }
  }
  if (mac.padding !== undefined && mac.padding !== 1 && mac.padding !== 2) {
    problems.push(`mac.padding: the ISO 9797-1 padding method, 1 (zeros) or 2 (0x80 then zeros), not ${JSON.stringify(mac.padding)}`);
  }
  if (mac.cupEcbKey !== undefined) {
    if (mac.cupEcbKey !== 'single' && mac.cupEcbKey !== 'double') {
      problems.push(`mac.cupEcbKey: single (first 8 bytes of the MAK, single DES) or double (the whole 16-byte MAK), not ${JSON.stringify(mac.cupEcbKey)}`);
    } else if (mac.algorithm !== 'cup-ecb') {
      problems.push(`mac.cupEcbKey: only for algorithm cup-ecb, not ${String(mac.algorithm)}`);
    } else if (mac.cupEcbKey === 'double' && mac.keyBytes !== 16) {
      problems.push('mac.cupEcbKey: double needs keyBytes: 16');
    }
  }
  return problems;
}

/**
 * Checks that relate one part of a dialect to another. They run on the raw data even when the schema found
 * mistakes elsewhere, so one pass reports every mistake; each looks only at parts of the expected shape.
 */
function crossChecks(d: Loose): string[] {
  const problems: string[] = [];
  const bitmap = isObject(d.bitmap) ? d.bitmap : {};
  const framing = isObject(d.framing) ? d.framing : {};
  const mac = isObject(d.mac) ? d.mac : {};
  if (isObject(d.fields)) {
    for (const [key, spec] of Object.entries(d.fields)) {
      if (!FIELD_KEY.test(key)) problems.push(`fields.${key}: field numbers run 2..128 (field 1 is the secondary bitmap), not "${key}"`);
      else if (Number(key) > 64 && bitmap.secondary !== true) problems.push(`fields.${key}: a field above 64 needs bitmap.secondary: true`);
      if (isObject(spec) && spec.sensitive === 'icc' && spec.type !== 'b' && spec.type !== 'ans') {
        problems.push(`fields.${key}.sensitive: icc data is type b (TLV bytes) or ans (TLV as hex text), not ${String(spec.type)}`);
      }
    }
  }
  if (isObject(d.responseCodes)) {
    for (const code of Object.keys(d.responseCodes)) {
      if (!/^[0-9A-Z]{2}$/.test(code)) problems.push(`responseCodes.${code}: a response code is two digits or capital letters`);
    }
  }
  if (isObject(d.messageTypes)) {
    for (const mti of Object.keys(d.messageTypes)) {
      if (!/^[0-9]{4}$/.test(mti)) problems.push(`messageTypes.${mti}: an MTI is four digits`);
    }
  }
  problems.push(...macChecks(d, mac, bitmap));
  if (mac.algorithm === 'x9.19' && mac.keyBytes !== 16) problems.push('mac.keyBytes: x9.19 needs a 16-byte key');
  if (framing.tpdu === true && d.tpdu === undefined) problems.push('tpdu: framing.tpdu is true: give the default TPDU (10 hex characters)');
  if (framing.tpdu === false && d.tpdu !== undefined) problems.push('tpdu: framing.tpdu is false: no TPDU to give');
  if (typeof framing.headerLength === 'number') {
    const chars = framing.headerLength * 2;
    const header = d.header;
    if (chars > 0 && (typeof header !== 'string' || header.length !== chars)) {
      problems.push(`header: framing.headerLength is ${framing.headerLength}: give the default header as ${chars} hex characters`);
    }
    if (chars === 0 && header !== undefined && header !== '') problems.push('header: framing.headerLength is 0: no header to give');
  }
  return problems;
}

function describePath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(top level)' : path.map(String).join('.');
}

/** Checks a dialect and returns a fresh, plain copy of it; throws DialectError listing every mistake with its path. */
export function validateDialect(data: unknown, source: string): Dialect {
  if (!isObject(data)) throw new DialectError(source, ['(top level): a dialect is an object (mapping)']);
  const result = dialectSchema.safeParse(data);
  const problems = result.success ? [] : result.error.issues.map((i) => `${describePath(i.path)}: ${i.message}`);
  for (const p of crossChecks(data)) if (!problems.includes(p)) problems.push(p);
  if (problems.length > 0 || !result.success) throw new DialectError(source, problems);
  const dialect = result.data as Dialect;
  for (const [key, spec] of Object.entries(dialect.fields)) {
    if (spec.sensitive === undefined && ISO_1987_SENSITIVE[key] !== undefined) spec.sensitive = ISO_1987_SENSITIVE[key];
  }
  return dialect;
}
