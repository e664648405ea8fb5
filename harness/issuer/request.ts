// Reads a decoded request into the issuer's terms, or says which field makes it a format error (39 = 30).
import type { FieldValue, IsoMessage } from '../iso8583/types';

export type RequestKind = 'sale' | 'inquiry' | 'void' | 'refund' | 'reversal' | 'unsupported';

export interface OriginalData {
  mti: string;
  stan: string;
  transmissionDateTime: string;
  acquirerId: string;
}

export interface IssuerRequest {
  mti: string;
  kind: RequestKind;
  pan: string;
  processingCode: string;
  amount: number;
  transmissionDateTime: string;
  stan: string;
  terminalId: string;
  merchantId: string;
  acquirerId: string;
  rrn: string;
  expiry?: string;
  pinBlock?: Buffer;
  original?: OriginalData;
}

export type ParsedRequest = { ok: true; request: IssuerRequest } | { ok: false; reason: string };

/** The request MTIs this issuer answers; anything else with a request MTI is answered 30. */
export const FINANCIAL_MTIS = new Set(['0200', '0201', '0220', '0221', '0400', '0401', '0420', '0421']);

/** The response MTI of a request MTI (0200 → 0210, 0401 → 0410), or null when `mti` is no request. */
export function responseMti(mti: string): string | null {
  if (!/^\d{4}$/.test(mti)) return null;
  const fn = mti[2];
  if (fn !== '0' && fn !== '2') return null;
  return mti.slice(0, 2) + String(Number(fn) + 1) + '0';
}

class FieldProblem extends Error {}

function text(fields: IsoMessage['fields'], n: number): string | undefined {
  const v: FieldValue | undefined = fields[n];
  if (v === undefined) return undefined;
  return typeof v === 'string' ? v : v.toString('latin1');
}

function need(fields: IsoMessage['fields'], n: number, pattern: RegExp, what: string): string {
  const v = text(fields, n);
  if (v === undefined) throw new FieldProblem(`field ${n} (${what}) is missing`);
  if (!pattern.test(v)) throw new FieldProblem(`field ${n} (${what}) is malformed`);
  return v;
}

function optional(fields: IsoMessage['fields'], n: number, pattern: RegExp, what: string): string | undefined {
  return fields[n] === undefined ? undefined : need(fields, n, pattern, what);
}

function pinBlock(v: FieldValue | undefined): Buffer | undefined {
  if (v === undefined) return undefined;
  if (Buffer.isBuffer(v)) {
    if (v.length !== 8) throw new FieldProblem('field 52 (PIN block) must be 8 bytes');
    return v;
  }
  if (/^[0-9A-Fa-f]{16}$/.test(v)) return Buffer.from(v, 'hex');
  throw new FieldProblem('field 52 (PIN block) must be 8 bytes');
}

const MMDDhhmmss = /^(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])([01]\d|2[0-3])[0-5]\d[0-5]\d$/;

function kindOf(mti: string, processingCode: string): RequestKind {
  if (mti.startsWith('040') || mti.startsWith('042')) return 'reversal';
  if (mti.startsWith('022')) return processingCode === '200000' ? 'refund' : 'unsupported';
  if (processingCode === '000000') return 'sale';
  if (processingCode === '310000') return 'inquiry';
  if (processingCode === '200000') return 'void';
  return 'unsupported';
}

/** Field 90: original MTI n4 + STAN n6 + field 7 n10 + acquirer n11 + forwarding n11. */
function parseOriginal(fields: IsoMessage['fields']): OriginalData {
  const v = need(fields, 90, /^\d{42}$/, 'original data elements, n42');
  const original = { mti: v.slice(0, 4), stan: v.slice(4, 10), transmissionDateTime: v.slice(10, 20), acquirerId: v.slice(20, 31).replace(/^0+(?=\d)/, '') };
  // A switch without its own record of the original sends zeros, or the date with zero time (pos-profile §2).
  const t = original.transmissionDateTime;
  if (t !== '0000000000' && !/^(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])000000$/.test(t) && !MMDDhhmmss.test(t)) {
    throw new FieldProblem('field 90: the original transmission date and time is not MMDDhhmmss');
  }
  return original;
}

export function parseRequest(msg: IsoMessage): ParsedRequest {
  try {
    const f = msg.fields;
    const processingCode = need(f, 3, /^\d{6}$/, 'processing code');
    const kind = kindOf(msg.mti, processingCode);
    const amountText = kind === 'inquiry' ? optional(f, 4, /^\d{12}$/, 'amount') : need(f, 4, /^\d{12}$/, 'amount');
    const request: IssuerRequest = {
      mti: msg.mti,
      kind,
      pan: need(f, 2, /^\d{12,19}$/, 'PAN'),
      processingCode,
      amount: amountText === undefined ? 0 : Number(amountText),
      transmissionDateTime: need(f, 7, MMDDhhmmss, 'transmission date and time'),
      stan: need(f, 11, /^\d{6}$/, 'STAN'),
      terminalId: need(f, 41, /^[\x20-\x7e]{1,8}$/, 'terminal id'),
      merchantId: need(f, 42, /^[\x20-\x7e]{1,15}$/, 'merchant id'),
      acquirerId: optional(f, 32, /^\d{1,11}$/, 'acquirer id') ?? '',
      rrn: (optional(f, 37, /^[\x20-\x7e]{1,12}$/, 'RRN') ?? '').trim(),
      expiry: optional(f, 14, /^\d{2}(0[1-9]|1[0-2])$/, 'expiry YYMM'),
      pinBlock: pinBlock(f[52]),
    };
    if (kind === 'void' || kind === 'refund' || kind === 'reversal') request.original = parseOriginal(f);
    return { ok: true, request };
  } catch (e) {
    if (e instanceof FieldProblem) return { ok: false, reason: e.message };
    throw e;
  }
}
