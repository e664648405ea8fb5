// The durable store-and-forward queue (and the RRN high-water mark): a journal of JSON lines, every change appended and fsync'd before the
// call returns, replayed (and compacted) when the switch starts. A torn last line from a crash is skipped.
// Compaction drops acknowledged items from the queue: only their ReversalRecord stays (a `settled` line, without the
// PAN and message fields the queue needed), because the reconciler counts every reversal the switch made.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ReversalRecord } from '../reconcile/records';
import type { Logger } from '../log';
import type { ReversalSubject } from './issuer-messages';
import { readJournalLines, rewriteJournal } from './journal-lines';

export interface SafItem {
  id: number;
  subject: ReversalSubject;
  record: ReversalRecord;
}

type JournalLine =
  | { op: 'add'; item: SafItem }
  | { op: 'update'; id: number; record: Partial<ReversalRecord> }
  /** An acknowledged reversal of an earlier run, kept for the record only. */
  | { op: 'settled'; record: ReversalRecord }
  /** RRN numbers below `next` may have been used by an earlier run (see rrn.ts). */
  | { op: 'rrn'; next: number };

export class SafStore {
  private readonly items = new Map<number, SafItem>();
  private readonly settled: ReversalRecord[] = [];
  private fd: number;
  private nextId = 1;
  private rrnReserved: number | undefined;

  /** Opens (creating when missing) the journal at `file`, replays it and rewrites it compacted. */
  constructor(private readonly file: string, private readonly log: Logger) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.replay();
    this.compact();
    this.fd = fs.openSync(file, 'a');
  }

  /** The queue: pending and failed items, and those acknowledged since this start. */
  all(): SafItem[] {
    return [...this.items.values()];
  }

  /** Reversals acknowledged in earlier runs on this journal (records only; they left the queue at compaction). */
  settledRecords(): readonly ReversalRecord[] {
    return this.settled;
  }

  get(id: number): SafItem | undefined {
    return this.items.get(id);
  }

  /** Adds a reversal; durable when this returns. */
  add(subject: ReversalSubject, record: ReversalRecord): SafItem {
    const item: SafItem = { id: this.nextId++, subject, record };
    this.append({ op: 'add', item });
    this.items.set(item.id, item);
    return item;
  }

  /** Changes a reversal's record; durable when this returns. */
  update(id: number, change: Partial<ReversalRecord>): void {
    const item = this.items.get(id);
    if (item === undefined) throw new RangeError(`SAF item ${id} does not exist`);
    this.append({ op: 'update', id, record: change });
    Object.assign(item.record, change);
  }

  /** Where the RRN counter of a previous run on this file stopped reserving, if any. */
  get rrnHighWater(): number | undefined {
    return this.rrnReserved;
  }

  /** Records that RRN numbers below `next` are taken; durable when this returns. */
  reserveRrns(next: number): void {
    this.append({ op: 'rrn', next });
    this.rrnReserved = next;
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  private append(line: JournalLine): void {
    if (this.fd < 0) throw new Error('SAF store is closed');
    fs.writeSync(this.fd, JSON.stringify(line) + '\n');
    fs.fsyncSync(this.fd);
  }

  private replay(): void {
    for (const { value, line: lineNo } of readJournalLines(this.file, this.log, 'SAF journal')) {
      const line = value as JournalLine;
      if (line.op === 'add' && line.item && typeof line.item.id === 'number') {
        this.items.set(line.item.id, line.item);
        this.nextId = Math.max(this.nextId, line.item.id + 1);
      } else if (line.op === 'settled' && line.record && typeof line.record === 'object') {
        this.settled.push(line.record);
      } else if (line.op === 'rrn' && typeof line.next === 'number') {
        this.rrnReserved = line.next;
      } else if (line.op === 'update' && this.items.has(line.id)) {
        Object.assign(this.items.get(line.id)!.record, line.record);
      } else {
        this.log.warn('SAF journal line not understood, skipped', { file: this.file, line: lineNo });
      }
    }
  }

  /** Rewrites the journal as one `add` per queued item and one `settled` per acknowledged reversal (written aside,
   *  fsync'd, then renamed over the old one). */
  private compact(): void {
    for (const [id, item] of this.items) {
      if (item.record.status !== 'acknowledged') continue;
      this.settled.push(item.record);
      this.items.delete(id);
    }
    let text = '';
    if (this.rrnReserved !== undefined) text += JSON.stringify({ op: 'rrn', next: this.rrnReserved }) + '\n';
    for (const record of this.settled) text += JSON.stringify({ op: 'settled', record }) + '\n';
    for (const item of this.items.values()) text += JSON.stringify({ op: 'add', item }) + '\n';
    rewriteJournal(this.file, text);
  }
}
