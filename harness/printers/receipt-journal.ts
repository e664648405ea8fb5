// The reconciler's view of printing: one ReceiptRecord per print attempt, in memory and optionally as JSON lines.
import { createWriteStream, type WriteStream } from 'node:fs';
import type { ReceiptRecord } from '../reconcile/records';
import type { PrintResult, Receipt } from './types';

export function toReceiptRecord(r: Receipt, printed: PrintResult): ReceiptRecord {
  const rec: ReceiptRecord = {
    at: r.at,
    kind: r.kind,
    reprint: r.reprint,
    printed,
    terminalIndex: r.terminalIndex,
    terminalId: r.terminalId,
    merchantId: r.merchantId,
    stan: r.stan,
    batch: r.batch,
    rrn: r.rrn,
    authCode: r.authCode,
    amount: r.amount,
    cardRef: r.cardRef,
    panMasked: r.panMasked,
  };
  if (r.intentId !== undefined) rec.intentId = r.intentId;
  return rec;
}

export class ReceiptJournal {
  private readonly list: ReceiptRecord[] | null;
  private readonly out: WriteStream | undefined;

  /** `path`: append every record to this JSON-lines file as well. `keep: false`: keep no list in memory (records()
   *  is then empty), for a journal whose records someone else already keeps. */
  constructor(path?: string, opts: { keep?: boolean } = {}) {
    this.list = opts.keep === false ? null : [];
    if (path !== undefined) {
      if (typeof path !== 'string' || path === '') throw new TypeError('receipt journal path must be a non-empty string');
      this.out = createWriteStream(path, { flags: 'a' });
    }
  }

  record(receipt: Receipt, printed: PrintResult, printedAt = Date.now()): ReceiptRecord {
    const rec = toReceiptRecord(receipt, printed);
    rec.at = printedAt;
    this.list?.push(rec);
    this.out?.write(JSON.stringify(rec) + '\n');
    return rec;
  }

  records(): ReceiptRecord[] {
    return this.list?.slice() ?? [];
  }

  get size(): number {
    return this.list?.length ?? 0;
  }

  /** Drops the records kept in memory (the file, if any, keeps them). */
  clear(): void {
    if (this.list !== null) this.list.length = 0;
  }

  close(): Promise<void> {
    const out = this.out;
    if (out === undefined || out.closed) return Promise.resolve();
    return new Promise((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  }
}
