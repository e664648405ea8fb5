// The switch's own record of a terminal's batch: what it forwarded and what the issuer answered, so that a
// settlement (0500) can be reconciled without asking the terminal, and voids/reversals can name their original.

export type TransactionKind = 'sale' | 'void' | 'refund' | 'inquiry';

export interface BatchEntry {
  kind: TransactionKind;
  mti: string;
  stan: string;
  amount: number;
  /** Field 7 and RRN the switch sent to the issuer for this request. */
  transmissionDateTime: string;
  rrn: string;
  /** MMDD the switch received it. */
  date: string;
  /** Field 39 the issuer answered; undefined while in flight or when no answer came. */
  responseCode?: string;
  authCode?: string;
  /** A void of this sale was approved. */
  voided: boolean;
  /** A reversal of this request was acknowledged by the issuer. */
  reversed: boolean;
  /** For a void: the STAN of the sale it voids. */
  originalStan?: string;
}

export interface BatchTotals {
  debitAmount: number;
  debitCount: number;
  creditAmount: number;
  creditCount: number;
}

export class BatchRecord {
  private readonly entries: BatchEntry[] = [];
  /** The latest entry per STAN (a reused STAN shadows the earlier one, as it does at the issuer). */
  private readonly byStan = new Map<string, BatchEntry>();

  add(entry: BatchEntry): void {
    this.entries.push(entry);
    this.byStan.set(entry.stan, entry);
  }

  find(stan: string): BatchEntry | undefined {
    return this.byStan.get(stan);
  }

  /** Approved when the issuer answered 00. */
  settle(entry: BatchEntry, responseCode: string | undefined, authCode: string | undefined): void {
    entry.responseCode = responseCode;
    entry.authCode = authCode;
    if (responseCode === '00' && entry.kind === 'void' && entry.originalStan !== undefined) {
      const original = this.byStan.get(entry.originalStan);
      if (original !== undefined && original.kind === 'sale') original.voided = true;
    }
  }

  /** A reversal of `entry` was acknowledged: a reversed void restores its sale. */
  markReversed(entry: BatchEntry): void {
    if (entry.reversed) return;
    entry.reversed = true;
    if (entry.kind === 'void' && entry.responseCode === '00' && entry.originalStan !== undefined) {
      const original = this.byStan.get(entry.originalStan);
      if (original !== undefined) original.voided = false;
    }
  }

  /** Debits: approved sales, not voided, not reversed. Credits: approved refunds (pos-profile §1.7). */
  totals(): BatchTotals {
    const t: BatchTotals = { debitAmount: 0, debitCount: 0, creditAmount: 0, creditCount: 0 };
    for (const e of this.entries) {
      if (e.responseCode !== '00' || e.reversed) continue;
      if (e.kind === 'sale' && !e.voided) {
        t.debitAmount += e.amount;
        t.debitCount++;
      } else if (e.kind === 'refund') {
        t.creditAmount += e.amount;
        t.creditCount++;
      }
    }
    return t;
  }

  get size(): number {
    return this.entries.length;
  }
}
