// The default sink: a printer that never fails, whose paper roll is the receipt journal.
import { ReceiptJournal } from './receipt-journal';
import type { PrinterSink, PrintResult, PrinterStatus, Receipt } from './types';

export class JournalSink implements PrinterSink {
  readonly journal: ReceiptJournal;

  constructor(opts: { path?: string } = {}) {
    this.journal = new ReceiptJournal(opts.path);
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
