// The durable ledger: an append-only JSON-lines file, one entry a line, with group commit. Entries appended while
// a write+fdatasync is in flight go out together in the next one, so one fsync covers many entries under load and
// a lone entry waits for nothing but its own. `append` resolves only once the fsync covering the entry returned.
import { EventEmitter } from 'node:events';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GroupCommitFile, type Commit } from '../storage/group-commit-file';
import { fsyncDirectory } from '../storage/replace-file';
import { journalFile } from './journal-path';
import type { IssuerLedgerEntry } from './types';

/** A sparse index: the byte offset of every CHECKPOINT_EVERY-th entry, so a reader can start near a seq. */
const CHECKPOINT_EVERY = 1024;
const READ_CHUNK = 256 * 1024;

export class JournalError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JournalError';
  }
}

export interface RecoveredJournal {
  /** Bytes of complete, valid lines: the file is truncated to this length. */
  validBytes: number;
  /** Bytes dropped from a torn last line. */
  tornBytes: number;
  lastSeq: number;
  checkpoints: number[];
}

/**
 * Reads every complete line, calling onEntry in order; a torn or unparsable last line is cut off the file.
 * A bad line with good lines after it is corruption, not a crash's trace: that throws.
 */
export function recoverJournal(file: string, onEntry: (e: IssuerLedgerEntry) => void): RecoveredJournal {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const existed = fs.existsSync(file);
  const fd = fs.openSync(file, existed ? 'r+' : 'a+');
  try {
    if (!existed) fsyncDirectory(path.dirname(file));
    const size = fs.fstatSync(fd).size;
    const chunk = Buffer.allocUnsafe(READ_CHUNK);
    let carry = Buffer.alloc(0);
    let position = 0;
    let validBytes = 0;
    let lastSeq = 0;
    let lineNo = 0;
    let badLine: { no: number; reason: string; at: number } | null = null;
    const checkpoints: number[] = [];
    while (position < size) {
      const n = fs.readSync(fd, chunk, 0, Math.min(READ_CHUNK, size - position), position);
      if (n <= 0) break;
      position += n;
      let data = carry.length ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
      let start = 0;
      for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
        lineNo++;
        const lineStart = validBytes;
        const text = data.toString('utf8', start, nl);
        start = nl + 1;
        if (badLine) throw new JournalError(`journal ${file}: line ${badLine.no} is damaged (${badLine.reason}) and is not the last line; refusing to start on a corrupt ledger`);
        let entry: IssuerLedgerEntry;
        try {
          entry = JSON.parse(text) as IssuerLedgerEntry;
          if (typeof entry !== 'object' || entry === null || !Number.isInteger(entry.seq)) throw new Error('no seq');
          if (entry.seq !== lastSeq + 1) throw new Error(`seq ${entry.seq} after ${lastSeq}`);
        } catch (e) {
          badLine = { no: lineNo, reason: e instanceof Error ? e.message : String(e), at: lineStart };
          continue;
        }
        if ((entry.seq - 1) % CHECKPOINT_EVERY === 0) checkpoints.push(lineStart);
        onEntry(entry);
        lastSeq = entry.seq;
        validBytes = lineStart + Buffer.byteLength(text) + 1;
      }
      carry = Buffer.from(data.subarray(start));
      data = Buffer.alloc(0);
    }
    const tornBytes = size - validBytes;
    if (tornBytes > 0) {
      fs.ftruncateSync(fd, validBytes);
      fs.fsyncSync(fd);
    }
    return { validBytes, tornBytes, lastSeq, checkpoints };
  } finally {
    fs.closeSync(fd);
  }
}


export interface JournalWriterEvents {
  commit: [lastSeq: number];
}

/** Appends entries with group commit. Emits 'commit' (lastSeq) after each fsync. */
export class JournalWriter extends EventEmitter {
  private readonly out: GroupCommitFile<number>;
  committedBytes: number;
  committedSeq: number;
  readonly checkpoints: number[];
  /** Called with the seconds each write+fdatasync took (for the fsync latency histogram). */
  onSync: ((seconds: number, entries: number) => void) | null = null;

  constructor(readonly file: string, recovered: RecoveredJournal) {
    super();
    this.committedBytes = recovered.validBytes;
    this.committedSeq = recovered.lastSeq;
    this.checkpoints = recovered.checkpoints.slice();
    this.out = new GroupCommitFile<number>(file, {
      onCommit: (commit) => this.committed(commit),
      error: (message) => new JournalError(`journal ${message}`),
    });
  }

  /** True once closed or abandoned: no 'commit' or 'close' will come from it any more. */
  get isClosed(): boolean {
    return this.out.isClosed;
  }

  get error(): Error | null {
    return this.out.error;
  }

  /** Queues an entry; resolves when an fdatasync covering it has returned. */
  append(entry: IssuerLedgerEntry): Promise<void> {
    return this.out.append(JSON.stringify(entry), entry.seq);
  }

  private committed({ lines, tags: seqs, seconds }: Commit<number>): void {
    let offset = this.committedBytes;
    for (let i = 0; i < lines.length; i++) {
      if ((seqs[i] - 1) % CHECKPOINT_EVERY === 0) this.checkpoints.push(offset);
      offset += Buffer.byteLength(lines[i]);
    }
    this.committedBytes = offset;
    this.committedSeq = seqs[seqs.length - 1];
    this.onSync?.(seconds, lines.length);
    this.emit('commit', this.committedSeq);
  }

  /** The byte offset to start reading at to find `seq` (a checkpoint at or before it). */
  offsetFor(seq: number): number {
    const k = Math.floor((Math.max(1, seq) - 1) / CHECKPOINT_EVERY);
    if (k < this.checkpoints.length) return this.checkpoints[k];
    return this.checkpoints.length ? this.checkpoints[this.checkpoints.length - 1] : 0;
  }

  /** Waits for everything queued to be on disk, then closes the file. */
  async close(): Promise<void> {
    if (this.out.isClosed) return;
    await this.out.close();
    this.emit('close');
  }

  /** As a crash: what is queued and not yet written is lost, its waiters never hear back. */
  async abandon(): Promise<void> {
    if (this.out.isClosed) return;
    await this.out.abandon();
    this.emit('close');
  }
}

/** Lines of a journal file between byte offsets, parsed; stops at a torn or bad line. */
export async function* readJournalRange(file: string, startByte: number, endByte: () => number, fromSeq: number): AsyncGenerator<IssuerLedgerEntry> {
  const handle = await fs.promises.open(file, 'r');
  try {
    const chunk = Buffer.allocUnsafe(READ_CHUNK);
    let carry = Buffer.alloc(0);
    let position = startByte;
    for (;;) {
      const end = endByte();
      if (position >= end) break;
      const { bytesRead } = await handle.read(chunk, 0, Math.min(READ_CHUNK, end - position), position);
      if (bytesRead <= 0) break;
      position += bytesRead;
      const data = carry.length ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      let start = 0;
      for (let nl = data.indexOf(10, start); nl !== -1; nl = data.indexOf(10, start)) {
        const text = data.toString('utf8', start, nl);
        start = nl + 1;
        let entry: IssuerLedgerEntry;
        try {
          entry = JSON.parse(text) as IssuerLedgerEntry;
        } catch {
          return;
        }
        if (entry.seq >= fromSeq) yield entry;
      }
      carry = Buffer.from(data.subarray(start));
    }
  } finally {
    await handle.close();
  }
}

/**
 * Every complete entry of a journal with seq >= fromSeq, for a stopped issuer (a torn last line is skipped).
 * `journalPath` as in IssuerConfig: the file, or a directory holding ledger.jsonl.
 */
export function readJournal(journalPath: string, fromSeq = 1): AsyncIterable<IssuerLedgerEntry> {
  const file = journalFile(journalPath);
  if (!fs.existsSync(file)) throw new JournalError(`journal ${file} does not exist`);
  return readJournalRange(file, 0, () => fs.statSync(file).size, fromSeq);
}
