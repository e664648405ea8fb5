// The issuer's state as a fold over its ledger: the live path and the journal replay apply the same entries
// through `apply`, so what a restart rebuilds is exactly what was acknowledged.
import { AccountBook } from './accounts';
import type { IssuerLedgerEntry } from './types';

/** An approved debit (a sale) or void: something a reversal can cancel. */
export interface Posted {
  seq: number;
  type: 'debit' | 'void';
  /** Its own 41|42|11|7 (originalKey). */
  key: string;
  transmissionDateTime: string;
  amount: number;
  cardRef: string;
  rrn: string;
  status: 'posted' | 'reversed' | 'voided';
  /** For a void: the sale it cancelled. */
  cancels?: number;
  /** For a voided sale: the void's seq and its own 41|42|11. */
  voidedBy?: { seq: number; requestKey: string };
  refunded: number;
}

/** What the duplicate check remembers of a first request. */
export interface FirstResponse {
  seq: number;
  type: IssuerLedgerEntry['type'];
  responseCode: string;
  authCode?: string;
}

/** 41|42|11|7: the original's identity without the amount (refunds may be partial). */
export function originalKey(terminalId: string, merchantId: string, stan: string, transmissionDateTime: string): string {
  return `${terminalId}|${merchantId}|${stan}|${transmissionDateTime}`;
}

/** 41|42|11|4: where a tombstone goes when the reversal did not know the original's field 7. */
export function looseKey(terminalId: string, merchantId: string, stan: string, amount: number): string {
  return `${terminalId}|${merchantId}|${stan}|${amount}`;
}

/** Field 7 of an original as a switch may give it in 90: exact, date only (MMDD000000) or unknown (zeros). */
export function originalTimeKind(f7: string): 'exact' | 'date' | 'unknown' {
  if (f7 === '0000000000') return 'unknown';
  if (f7.endsWith('000000')) return 'date';
  return 'exact';
}

/** 0201 → 0200, 0221 → 0220, 0401 → 0400, 0421 → 0420. */
export function mtiClass(mti: string): string {
  return mti.endsWith('1') ? mti.slice(0, 3) + '0' : mti;
}

/** 32+41+42+11+4+date of 7, per MTI class (a reversal shares 11 and 4 with its original and is no repeat of it). */
export function duplicateKey(mti: string, acquirerId: string, terminalId: string, merchantId: string, stan: string, amount: number, transmissionDateTime: string): string {
  return `${mtiClass(mti)}|${acquirerId}|${terminalId}|${merchantId}|${stan}|${amount}|${transmissionDateTime.slice(0, 4)}`;
}

/** 91 and 96 are transient: a repeat of a request answered so is judged afresh. */
const TRANSIENT = new Set(['91', '96']);

/** True when the entry moved money (the rule the reconciler uses too). */
export function movesMoney(e: IssuerLedgerEntry): boolean {
  if (e.responseCode !== '00' || e.duplicateOf !== undefined) return false;
  if (e.type === 'debit' || e.type === 'credit') return true;
  return (e.type === 'void' || e.type === 'reversal') && e.originalSeq !== undefined;
}

export class LedgerState {
  /** The seq the next entry takes. */
  nextSeq = 1;
  readonly posted = new Map<number, Posted>();
  /** 41|42|11 → posted seqs, oldest first. */
  private readonly byStan = new Map<string, number[]>();
  /** First reversal applied for an original key (a real reversal, or a tombstone when it answered 25). */
  readonly reversedKeys = new Map<string, { seq: number; responseCode: string }>();
  /** Tombstones of reversals that named no field 7 of the original, by looseKey. */
  readonly looseTombstones = new Map<string, { seq: number; responseCode: string }>();
  readonly firstRequests = new Map<string, FirstResponse>();
  /** Entries whose card is not in the account book (a journal from other accounts), counted on replay. */
  unknownCards = 0;

  constructor(readonly accounts: AccountBook) {}

  /**
   * Approved debits and voids an original reference names, oldest first: those with exactly this field 7 when
   * there are any; with a date-only field 7, those of that date; with an unknown one, all under 41+42+11.
   */
  candidates(terminalId: string, merchantId: string, stan: string, f7: string): Posted[] {
    const seqs = this.byStan.get(`${terminalId}|${merchantId}|${stan}`);
    if (!seqs) return [];
    const all: Posted[] = [];
    for (const s of seqs) {
      const p = this.posted.get(s);
      if (p) all.push(p);
    }
    const exact = all.filter((p) => p.transmissionDateTime === f7);
    if (exact.length > 0) return exact;
    const kind = originalTimeKind(f7);
    if (kind === 'unknown') return all;
    if (kind === 'date') return all.filter((p) => p.transmissionDateTime.startsWith(f7.slice(0, 4)));
    return [];
  }

  /** The first reversal applied to this original (a repeat's reference), if any. */
  firstReversal(terminalId: string, merchantId: string, stan: string, f7: string, amount: number): { seq: number; responseCode: string } | undefined {
    if (originalTimeKind(f7) === 'exact') return this.reversedKeys.get(originalKey(terminalId, merchantId, stan, f7));
    return this.looseTombstones.get(looseKey(terminalId, merchantId, stan, amount));
  }

  /** A reversal that came before this original (a sale or void about to be applied), if any. */
  tombstoneFor(terminalId: string, merchantId: string, stan: string, f7: string, amount: number): { seq: number; responseCode: string } | undefined {
    return this.reversedKeys.get(originalKey(terminalId, merchantId, stan, f7)) ?? this.looseTombstones.get(looseKey(terminalId, merchantId, stan, amount));
  }

  apply(e: IssuerLedgerEntry): void {
    if (e.seq !== this.nextSeq) throw new Error(`ledger seq ${e.seq} out of order (expected ${this.nextSeq})`);
    this.nextSeq = e.seq + 1;
    const account = this.accounts.byCardRef(e.cardRef);
    if (e.pin && account) account.recordPin(e.pin, e.at);

    if (e.duplicateOf === undefined && e.acquirerId !== undefined && !TRANSIENT.has(e.responseCode) && (e.mti.startsWith('020') || e.mti.startsWith('022'))) {
      const key = duplicateKey(e.mti, e.acquirerId, e.terminalId, e.merchantId, e.stan, e.amount, e.transmissionDateTime);
      if (!this.firstRequests.has(key)) {
        this.firstRequests.set(key, { seq: e.seq, type: e.type, responseCode: e.responseCode, authCode: e.authCode });
      }
    }

    if (e.type === 'reversal' && e.duplicateOf === undefined && !TRANSIENT.has(e.responseCode)) this.remember(e);

    if (!movesMoney(e)) return;
    if (!account) {
      this.unknownCards++;
      return;
    }
    switch (e.type) {
      case 'debit':
        account.balance -= e.amount;
        account.addSpent(e.amount, e.at);
        this.post(e, 'debit');
        break;
      case 'credit': {
        account.balance += e.amount;
        const original = e.originalSeq === undefined ? undefined : this.posted.get(e.originalSeq);
        if (original) original.refunded += e.amount;
        break;
      }
      case 'void': {
        const sale = this.posted.get(e.originalSeq!);
        if (!sale) throw new Error(`void ${e.seq} names seq ${e.originalSeq}, which is no posted sale`);
        account.balance += sale.amount;
        account.addSpent(-sale.amount, e.at);
        sale.status = 'voided';
        sale.voidedBy = { seq: e.seq, requestKey: `${e.terminalId}|${e.merchantId}|${e.stan}` };
        this.post(e, 'void', sale.seq);
        break;
      }
      case 'reversal': {
        const target = this.posted.get(e.originalSeq!);
        if (!target) throw new Error(`reversal ${e.seq} names seq ${e.originalSeq}, which is not posted`);
        target.status = 'reversed';
        if (target.type === 'debit') {
          account.balance += target.amount;
          account.addSpent(-target.amount, e.at);
        } else {
          // Reversing a void puts the sale's debit back.
          account.balance -= target.amount;
          account.addSpent(target.amount, e.at);
          const sale = target.cancels === undefined ? undefined : this.posted.get(target.cancels);
          if (sale && sale.status === 'voided') {
            sale.status = 'posted';
            sale.voidedBy = undefined;
          }
        }
        break;
      }
      default:
        break;
    }
  }

  /** Records that an original was reversed (or, with no originalSeq, that its reversal came first: a tombstone). */
  private remember(e: IssuerLedgerEntry): void {
    const mark = { seq: e.seq, responseCode: e.responseCode };
    const target = e.originalSeq === undefined ? undefined : this.posted.get(e.originalSeq);
    if (target) {
      if (!this.reversedKeys.has(target.key)) this.reversedKeys.set(target.key, mark);
      return;
    }
    if (e.originalStan === undefined || e.originalTransmissionDateTime === undefined) return;
    if (originalTimeKind(e.originalTransmissionDateTime) === 'exact') {
      const key = originalKey(e.terminalId, e.merchantId, e.originalStan, e.originalTransmissionDateTime);
      if (!this.reversedKeys.has(key)) this.reversedKeys.set(key, mark);
    } else {
      const key = looseKey(e.terminalId, e.merchantId, e.originalStan, e.amount);
      if (!this.looseTombstones.has(key)) this.looseTombstones.set(key, mark);
    }
  }

  private post(e: IssuerLedgerEntry, type: 'debit' | 'void', cancels?: number): void {
    const key = originalKey(e.terminalId, e.merchantId, e.stan, e.transmissionDateTime);
    this.posted.set(e.seq, { seq: e.seq, type, key, transmissionDateTime: e.transmissionDateTime, amount: e.amount, cardRef: e.cardRef, rrn: e.rrn, status: 'posted', cancels, refunded: 0 });
    const stanKey = `${e.terminalId}|${e.merchantId}|${e.stan}`;
    const list = this.byStan.get(stanKey);
    if (list) list.push(e.seq);
    else this.byStan.set(stanKey, [e.seq]);
  }
}
