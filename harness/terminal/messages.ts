// The terminal's requests, field by field as docs/pos-profile.md §1 lays them out.
import type { IsoMessage } from '../iso8583/types';
import type { JournalEntry } from './persisted';

export interface Identity {
  terminalId: string;
  merchantId: string;
}

export interface Card {
  pan: string;
  /** YYMM */
  expiry: string;
}

export function pad6(n: number): string {
  return String(n).padStart(6, '0');
}

export function amount12(fen: number): string {
  return String(fen).padStart(12, '0');
}

/** 0800: 60.3 = the key layout asked for (003: double-length PIK and MAK; cup-pos.md §3.4). */
export function signOnRequest(id: Identity, stan: string, batch: string, layout = '003'): IsoMessage {
  return { mti: '0800', fields: { 11: stan, 41: id.terminalId, 42: id.merchantId, 60: '00' + batch + layout, 63: '001' } };
}

function cardFields(card: Card, pinBlock: Buffer | undefined): IsoMessage['fields'] {
  const f: IsoMessage['fields'] = { 2: card.pan, 14: card.expiry, 22: pinBlock ? '021' : '022', 25: '00' };
  if (pinBlock) {
    f[26] = '12';
    f[52] = pinBlock;
    f[53] = '2600000000000000';
  }
  return f;
}

/** 0200 sale (3 = 000000, 60.1 = 22) or balance inquiry (3 = 310000, 60.1 = 01, no field 4). */
export function purchaseRequest(
  id: Identity, stan: string, batch: string, card: Card, amount: number, pinBlock: Buffer | undefined, kind: 'sale' | 'inquiry',
): IsoMessage {
  const fields = cardFields(card, pinBlock);
  fields[3] = kind === 'sale' ? '000000' : '310000';
  if (kind === 'sale') fields[4] = amount12(amount);
  fields[11] = stan;
  fields[41] = id.terminalId;
  fields[42] = id.merchantId;
  fields[49] = '156';
  fields[60] = (kind === 'sale' ? '22' : '01') + batch + '000';
  return { mti: '0200', fields };
}

/** 0200 void (3 = 200000, 60.1 = 23): the original's full amount, RRN, auth code, batch and STAN. */
export function voidRequest(id: Identity, stan: string, batch: string, original: JournalEntry): IsoMessage {
  const fields = cardFields({ pan: original.pan, expiry: original.expiry }, undefined);
  Object.assign(fields, {
    3: '200000', 4: amount12(original.amount), 11: stan, 37: original.rrn, 38: original.authCode,
    41: id.terminalId, 42: id.merchantId, 49: '156', 60: '23' + batch + '000', 61: original.batch + original.stan,
  });
  return { mti: '0200', fields };
}

export interface RefundOriginal {
  rrn: string;
  batch: string;
  stan: string;
  /** MMDD of the original sale. */
  date: string;
}

/** 0220 refund (3 = 200000, 60.1 = 25), not reversible. */
export function refundRequest(id: Identity, stan: string, batch: string, card: Card, amount: number, original: RefundOriginal): IsoMessage {
  const fields = cardFields(card, undefined);
  Object.assign(fields, {
    3: '200000', 4: amount12(amount), 11: stan, 37: original.rrn, 41: id.terminalId, 42: id.merchantId, 49: '156',
    60: '25' + batch + '000', 61: original.batch + original.stan + original.date,
  });
  return { mti: '0220', fields };
}

const REVERSAL_FIELDS = [2, 3, 4, 11, 14, 22, 25, 38, 41, 42, 49, 60, 61];

/** The 0400 fields (without 64) mirroring a reversible request: same STAN, no PIN data, 39 = the reason. */
export function reversalFields(request: IsoMessage, reason: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of REVERSAL_FIELDS) {
    const v = request.fields[n];
    if (typeof v === 'string') out[n] = v;
  }
  out[39] = reason;
  return out;
}

export function reversalRequest(fields: Record<string, string>): IsoMessage {
  const out: IsoMessage['fields'] = {};
  for (const k of Object.keys(fields)) out[Number(k)] = fields[k];
  return { mti: '0400', fields: out };
}

export interface BatchTotals {
  debitAmount: number;
  debitCount: number;
  creditAmount: number;
  creditCount: number;
}

/** What settlement counts and a batch upload sends: approved sales not voided or reversed, approved refunds. A void
 *  and the sale it voids cancel out within the batch (pos-profile §1.7). */
export function counted(e: JournalEntry, batch: string): boolean {
  return e.batch === batch && e.status === 'ok' && (e.kind === 'sale' || e.kind === 'refund');
}

/** Totals of `batch` as the terminal sees it: approved sales not voided or reversed; approved refunds. */
export function batchTotals(journal: readonly JournalEntry[], batch: string): BatchTotals {
  const t: BatchTotals = { debitAmount: 0, debitCount: 0, creditAmount: 0, creditCount: 0 };
  for (const e of journal) {
    if (!counted(e, batch)) continue;
    if (e.kind === 'sale') {
      t.debitAmount += e.amount;
      t.debitCount++;
    } else {
      t.creditAmount += e.amount;
      t.creditCount++;
    }
  }
  return t;
}

/** Field 48 of the 0500: domestic debit n12 + n3, credit n12 + n3, reconciliation code 0, then 31 zeros. */
export function totalsField(t: BatchTotals): string {
  const count = (n: number) => String(n % 1000).padStart(3, '0');
  return amount12(t.debitAmount) + count(t.debitCount) + amount12(t.creditAmount) + count(t.creditCount) + '0' + '0'.repeat(31);
}

export function settlementRequest(id: Identity, stan: string, batch: string, totals: BatchTotals): IsoMessage {
  return {
    mti: '0500',
    fields: { 11: stan, 41: id.terminalId, 42: id.merchantId, 48: totalsField(totals), 49: '156', 60: '00' + batch + '201', 63: '001' },
  };
}

/** One 0320 of a batch upload (60.3 = 201); 61 = the entry's own batch + STAN + date. */
export function uploadRequest(id: Identity, stan: string, batch: string, e: JournalEntry): IsoMessage {
  return {
    mti: '0320',
    fields: {
      2: e.pan, 3: e.kind === 'sale' ? '000000' : '200000', 4: amount12(e.amount), 11: stan, 37: e.rrn, 38: e.authCode,
      41: id.terminalId, 42: id.merchantId, 60: '00' + batch + '201', 61: e.batch + e.stan + e.date,
    },
  };
}

/** The end-of-upload 0320 (60.3 = 202) with the count of uploaded transactions. */
export function uploadEndRequest(id: Identity, stan: string, batch: string, count: number): IsoMessage {
  return {
    mti: '0320',
    fields: { 11: stan, 41: id.terminalId, 42: id.merchantId, 48: String(count % 10000).padStart(4, '0'), 60: '00' + batch + '202' },
  };
}

/** The reconciliation code of a 0510's field 48 (digit offset 30): 1 balanced, 2 unbalanced, 3 error. */
export function reconciliationCode(field48: unknown): string | undefined {
  return typeof field48 === 'string' && field48.length > 30 ? field48[30] : undefined;
}

