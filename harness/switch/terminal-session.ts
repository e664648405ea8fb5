// What the switch knows about one signed-on terminal: created at sign-on, never before.
import { BatchRecord } from './batch-record';

export class TerminalSession {
  batchRecord = new BatchRecord();
  /** The batch before the current one, so that a refund or a late reversal can still name its original. */
  previousBatch: BatchRecord | undefined;
  /** Duplicate window: MTI + STAN + date of the requests of this batch. */
  readonly seen = new Set<string>();

  constructor(
    readonly terminalId: string,
    readonly merchantId: string,
    readonly tmk: Buffer,
    public pik: Buffer,
    public mak: Buffer,
    /** The switch's current batch for the terminal (n6). */
    public batch: string,
  ) {}

  /** After a balanced settlement or the end of batch upload: the next batch, with an empty record and window. */
  advanceBatch(): void {
    this.batch = String((Number(this.batch) % 999_999) + 1).padStart(6, '0');
    this.previousBatch = this.batchRecord;
    this.batchRecord = new BatchRecord();
    this.seen.clear();
  }

  /** The entry of this STAN in the current batch, else in the previous one. */
  findOriginal(stan: string) {
    return this.batchRecord.find(stan) ?? this.previousBatch?.find(stan);
  }
}
