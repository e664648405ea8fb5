// Which ledger entries still stand after the run: a debit stands unless a reversal or void that itself still
// stands cancelled it (a reversed void puts the sale back). Repeats the issuer's duplicate check caught are echoes,
// not postings.
import type { LedgerEntry } from './records';

export interface LedgerState {
  bySeq: Map<number, LedgerEntry>;
  /** True when the entry is a posting (debit, credit, void) that nothing standing cancelled. */
  stands(entry: LedgerEntry): boolean;
  /** The standing entry that cancelled this one, if any. */
  cancelledBy(entry: LedgerEntry): LedgerEntry | undefined;
}

const POSTINGS = new Set<LedgerEntry['type']>(['debit', 'credit', 'void', 'reversal']);

export function isPosting(e: LedgerEntry): boolean {
  return POSTINGS.has(e.type) && e.duplicateOf === undefined && e.responseCode === '00';
}

export function ledgerState(ledger: readonly LedgerEntry[]): LedgerState {
  const bySeq = new Map<number, LedgerEntry>();
  const cancellers = new Map<number, LedgerEntry[]>();
  for (const e of ledger) {
    bySeq.set(e.seq, e);
    if ((e.type === 'reversal' || e.type === 'void') && e.originalSeq !== undefined && isPosting(e)) {
      const list = cancellers.get(e.originalSeq);
      if (list) list.push(e);
      else cancellers.set(e.originalSeq, [e]);
    }
  }
  const memo = new Map<number, boolean>();
  const visiting = new Set<number>();
  const standsSeq = (e: LedgerEntry): boolean => {
    const known = memo.get(e.seq);
    if (known !== undefined) return known;
    if (!isPosting(e)) return false;
    if (visiting.has(e.seq)) return true; // a cycle cannot happen in a sane ledger; do not loop on a broken one
    visiting.add(e.seq);
    const result = !(cancellers.get(e.seq) ?? []).some((c) => standsSeq(c));
    visiting.delete(e.seq);
    memo.set(e.seq, result);
    return result;
  };
  return {
    bySeq,
    stands: standsSeq,
    cancelledBy: (e) => (cancellers.get(e.seq) ?? []).find((c) => standsSeq(c)),
  };
}

/** A debit (sale) posting that still stands: money the customer has paid. */
export function isNetDebit(state: LedgerState, e: LedgerEntry): boolean {
  return e.type === 'debit' && state.stands(e);
}
