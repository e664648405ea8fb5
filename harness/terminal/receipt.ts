// A receipt as printed, rebuilt from the journal entry of its transaction: the terminal keeps the entry, not a copy
// of the receipt.
import type { Receipt } from '../printers/types';
import { cardRef, maskPan } from '../security';
import type { JournalEntry } from './persisted';
import type { Terminal } from './terminal';

export function receiptOf(t: Terminal, e: JournalEntry, reprint: boolean, ref = cardRef(e.pan)): Receipt {
  const r: Receipt = {
    kind: e.kind, reprint, merchantName: t.group.merchantName, merchantId: t.merchantId, terminalId: t.terminalId,
    terminalIndex: t.index, panMasked: maskPan(e.pan), cardRef: ref, amount: e.amount, stan: e.stan,
    batch: e.batch, rrn: e.rrn, authCode: e.authCode, at: e.at ?? Date.now(),
  };
  if (e.intentId !== undefined) r.intentId = e.intentId;
  if (e.originalStan !== undefined) r.originalStan = e.originalStan;
  return r;
}
