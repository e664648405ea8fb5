// Which attempt and which ledger debit a printed receipt is for. Only a receipt the sink reports as printed counts:
// 'unknown' (an offline printer that could not say) is not proof that the customer holds a receipt.
import type { AttemptRecord, LedgerEntry, ReceiptRecord } from './records';
import { keyOf } from './join';

export function receiptKey(r: { terminalId: string; merchantId: string; stan: string; cardRef: string; amount: number }): string {
  return `${keyOf(r.terminalId, r.merchantId, r.stan, r.cardRef)}|${r.amount}`;
}

export interface ReceiptIndex {
  /** Printed sale receipts (originals and reprints) for this attempt. */
  printedFor(attempt: AttemptRecord): ReceiptRecord[];
  /** One printed sale receipt per transaction (reprints folded into the first). */
  printedSales: ReceiptRecord[];
}

export function indexReceipts(receipts: readonly ReceiptRecord[], attempts: readonly AttemptRecord[]): ReceiptIndex {
  // A receipt carrying an RRN that some attempt holds belongs to that attempt only.
  const claimed = new Set<string>();
  for (const a of attempts) if (a.rrn) claimed.add(`${receiptKey(a)}|${a.rrn}`);
  const byKey = new Map<string, ReceiptRecord[]>();
  const seen = new Set<string>();
  const printedSales: ReceiptRecord[] = [];
  for (const r of receipts) {
    if (r.kind !== 'sale' || r.printed !== 'printed') continue;
    const k = receiptKey(r);
    const list = byKey.get(k);
    if (list) list.push(r);
    else byKey.set(k, [r]);
    const tx = `${k}|${r.rrn}`;
    if (!seen.has(tx)) {
      seen.add(tx);
      printedSales.push(r);
    }
  }
  return {
    printedSales,
    printedFor: (a) =>
      (byKey.get(receiptKey(a)) ?? []).filter(
        (r) =>
          (a.rrn ? !r.rrn || r.rrn === a.rrn : !r.rrn || !claimed.has(`${receiptKey(r)}|${r.rrn}`)) &&
          (!a.intentId || !r.intentId || r.intentId === a.intentId),
      ),
  };
}

/** The ledger debits a printed receipt stands for: by RRN and request keys, else by the request keys alone. */
export function debitsForReceipt(receipt: ReceiptRecord, debitsByKey: Map<string, LedgerEntry[]>): LedgerEntry[] {
  const all = debitsByKey.get(receiptKey(receipt)) ?? [];
  if (!receipt.rrn) return all;
  const sameRrn = all.filter((e) => e.rrn === receipt.rrn);
  return sameRrn.length > 0 ? sameRrn : all;
}
