// Responses on the issuer link (pos-profile §2): the request's 2, 3, 4, 7, 11, 37, 41, 42, 49 echoed, plus 38 on
// approval, 39, and 54 on an approved inquiry.
import type { FieldValue, IsoMessage } from '../iso8583/types';

const ECHOED = [2, 3, 4, 7, 11, 37, 41, 42, 49];

export interface Answer {
  responseCode: string;
  authCode?: string;
  balance?: number;
}

/** Field 54 for a balance: account type 10, amount type 01 (ledger), currency, C/D, n12. */
export function balanceField(balance: number, currency = '156'): string {
  return '1001' + currency + (balance < 0 ? 'D' : 'C') + String(Math.abs(balance)).padStart(12, '0');
}

export function buildResponse(request: IsoMessage, mti: string, answer: Answer): IsoMessage {
  const fields: { [n: number]: FieldValue } = {};
  for (const n of ECHOED) {
    const v = request.fields[n];
    if (v !== undefined) fields[n] = v;
  }
  if (answer.responseCode === '00' && answer.authCode) fields[38] = answer.authCode;
  fields[39] = answer.responseCode;
  if (answer.balance !== undefined) {
    const currency = typeof request.fields[49] === 'string' && /^\d{3}$/.test(request.fields[49] as string) ? (request.fields[49] as string) : '156';
    fields[54] = balanceField(answer.balance, currency);
  }
  return { mti, fields };
}

/** 0800 → 0810: network management (echo test, sign-on) answered 00 with 7, 11 and 70 echoed. */
export function networkResponse(request: IsoMessage): IsoMessage {
  const fields: { [n: number]: FieldValue } = {};
  for (const n of [7, 11, 70]) {
    const v = request.fields[n];
    if (v !== undefined) fields[n] = v;
  }
  fields[39] = '00';
  return { mti: '0810', fields };
}
