// What a printer sink is given and what it reports. Real ESC/POS sinks plug in through the same interface.

/** Everything printed on a voucher; the text (or ESC/POS bytes) is rendered from it by a formatter. */
export interface Receipt {
  kind: 'sale' | 'void' | 'refund';
  /** A copy printed again on request or after the printer came back ("重打印 REPRINT"). */
  reprint: boolean;
  merchantName: string;
  merchantId: string;
  terminalId: string;
  terminalIndex: number;
  /** First 6 and last 4 digits only. */
  panMasked: string;
  cardRef: string;
  /** Minor units (fen). */
  amount: number;
  /** The voucher number 凭证号. */
  stan: string;
  batch: string;
  rrn: string;
  authCode: string;
  /** When the transaction was approved (ms since the epoch); the printed date and time. */
  at: number;
  intentId?: string;
  /** For a void or refund: the voucher number of the original sale. */
  originalStan?: string;
}

/** printed: the sink confirmed it; not-printed: it certainly did not print; unknown: it may or may not have. */
export type PrintResult = 'printed' | 'not-printed' | 'unknown';

export interface PrinterStatus {
  /** True when a print now would be expected to succeed. */
  ready: boolean;
  paper?: 'ok' | 'out';
  cover?: 'closed' | 'open';
  online?: boolean;
}

export interface PrinterSink {
  print(receipt: Receipt): Promise<PrintResult>;
  status?(): PrinterStatus;
  close?(): Promise<void>;
}

export const PRINT_RESULTS: readonly PrintResult[] = ['printed', 'not-printed', 'unknown'];
