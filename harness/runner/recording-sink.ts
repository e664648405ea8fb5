// Wraps each terminal's printer sink and keeps what the sink itself reported for every receipt: the receipts the
// reconciler reads come from the printers' answers, not from the terminal's account of its printing.
import type { PrinterSink, PrintResult, Receipt } from '../printers/types';
import type { ReceiptRecord } from '../reconcile/records';

export class ReceiptLog {
  readonly records: ReceiptRecord[] = [];
  /** Receipts by the sink's answer (printed, not-printed, unknown). */
  readonly tally: Record<string, number> = {};

  wrap(inner: PrinterSink): PrinterSink {
    const log = this.records;
    const tally = this.tally;
    return {
      async print(receipt: Receipt): Promise<PrintResult> {
        let result: PrintResult;
        try {
          result = await inner.print(receipt);
        } catch {
          result = 'unknown';
        }
        tally[result] = (tally[result] ?? 0) + 1;
        log.push({
          at: Date.now(),
          kind: receipt.kind,
          reprint: receipt.reprint,
          printed: result,
          terminalIndex: receipt.terminalIndex,
          terminalId: receipt.terminalId,
          merchantId: receipt.merchantId,
          stan: receipt.stan,
          batch: receipt.batch,
          rrn: receipt.rrn,
          authCode: receipt.authCode,
          amount: receipt.amount,
          cardRef: receipt.cardRef,
          panMasked: receipt.panMasked,
          ...(receipt.intentId !== undefined ? { intentId: receipt.intentId } : {}),
        });
        return result;
      },
      status: inner.status?.bind(inner),
      close: inner.close?.bind(inner),
    };
  }
}
