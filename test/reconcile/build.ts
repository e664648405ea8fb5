// Hand-built records for the reconciler's tests: one terminal, one merchant, short helpers for each record kind.
import type { AttemptRecord, LedgerEntry, ReceiptRecord, ReversalRecord } from '../../harness/reconcile/records';

export const TID = '10000001';
export const MID = '898310048160001';
export const CARD = 'c0ffee0000000001';

let seq = 0;
export function resetSeq(): void {
  seq = 0;
}

export function entry(over: Partial<LedgerEntry> & Pick<LedgerEntry, 'type' | 'stan' | 'at'>): LedgerEntry {
  seq++;
  return {
    seq,
    mti: over.type === 'reversal' ? '0400' : '0200',
    terminalId: TID,
    merchantId: MID,
    transmissionDateTime: '1121130000',
    rrn: '',
    amount: 1000,
    cardRef: CARD,
    panMasked: '622202******1234',
    responseCode: '00',
    ...over,
  };
}

export function attempt(over: Partial<AttemptRecord> & Pick<AttemptRecord, 'intentId' | 'stan' | 'sentAt' | 'result'>): AttemptRecord {
  return {
    attempt: 1,
    kind: 'sale',
    terminalIndex: 0,
    terminalId: TID,
    merchantId: MID,
    batch: '000001',
    amount: 1000,
    cardRef: CARD,
    ...over,
  };
}

export function reversal(over: Partial<ReversalRecord> & Pick<ReversalRecord, 'status' | 'stan'>): ReversalRecord {
  return {
    initiator: 'terminal',
    reason: '98',
    initiatedAt: 0,
    tries: 1,
    terminalId: TID,
    merchantId: MID,
    amount: 1000,
    cardRef: CARD,
    ...over,
  };
}

export function receipt(over: Partial<ReceiptRecord> & Pick<ReceiptRecord, 'stan' | 'rrn' | 'printed'>): ReceiptRecord {
  return {
    at: 0,
    kind: 'sale',
    reprint: false,
    terminalIndex: 0,
    terminalId: TID,
    merchantId: MID,
    batch: '000001',
    authCode: '123456',
    amount: 1000,
    cardRef: CARD,
    panMasked: '622202******1234',
    ...over,
  };
}
