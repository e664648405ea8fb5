// The default sink: a printer that never fails, whose paper roll is the receipt journal.
import { ReceiptJournal } from './receipt-journal';
import type { PrinterSink, PrintResult, PrinterStatus, Receipt } from './types';

export class JournalSink implements PrinterSink {
  readonly journal: ReceiptJournal;

  /** `keep: false`: no list in memory (the fleet's own receipt journal already has every print). */
  constructor(opts: { path?: string; keep?: boolean } = {}) {
    this.journal = new ReceiptJournal(opts.path, { keep: opts.keep !== false });
  }

  print(receipt: Receipt): Promise<PrintResult> {
    this.journal.record(receipt, 'printed');
    return Promise.resolve('printed');
  }

  status(): PrinterStatus {
    return { ready: true, paper: 'ok', cover: 'closed', online: true };
  }

  close(): Promise<void> {
    return this.journal.close();
  }
}
