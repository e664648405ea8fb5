// One append-only store per fleet. Every change to a terminal's non-volatile state is one JSON line; lines that
// must be durable before a request goes out (the STAN, the reversal record) wait for an fsync, and every
// record queued meanwhile rides on the same fsync (group commit), so 50,000 terminals cost one file, one
// descriptor and a few fsyncs per event-loop turn instead of a file and an fsync each. On load the log is folded
// into one snapshot line per terminal and rewritten atomically (temp file, fsync, rename), which bounds it.
import { closeSync, existsSync, fsync, openSync, readFileSync, write } from 'node:fs';
import { dirname } from 'node:path';
import { createLogger } from '../log';
import { replaceFileDurably } from '../storage/replace-file';
import { applyRecord, emptyTerminal, type PersistedTerminal, type StoreRecord } from './persisted';

const log = createLogger('terminal-store');

export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StoreError';
  }
}

export interface StoreIdentity {
  firstId: number;
  count: number;
  /** The id ranges of a fleet of several groups ("firstId+count,…"); absent for one range. */
  layout?: string;
}

/** Reads and folds a store file; a torn last line (a crash mid-write) is dropped, anything else malformed throws. */
export function readStore(path: string, identity: StoreIdentity): Map<number, PersistedTerminal> {
  const states = new Map<number, PersistedTerminal>();
  if (!existsSync(path)) return states;
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n];
    if (line === '') continue;
    let rec: StoreRecord;
    try {
      rec = JSON.parse(line) as StoreRecord;
    } catch {
      const last = n === lines.length - 1 || (n === lines.length - 2 && lines[lines.length - 1] === '');
      if (last) {
        log.warn('dropping a torn last line of the terminal store', { path, line: n + 1 });
        continue;
      }
      throw new StoreError(`terminal store ${path}: line ${n + 1} is not valid JSON`);
    }
    if (rec === null || typeof rec !== 'object' || typeof rec.k !== 'string') {
      throw new StoreError(`terminal store ${path}: line ${n + 1} is not a store record`);
    }
    if (rec.k === 'fleet') {
      if (rec.firstId !== identity.firstId || rec.count !== identity.count || (rec.layout ?? '') !== (identity.layout ?? '')) {
        throw new StoreError(
          `terminal store ${path} belongs to terminals ${rec.layout ?? `${rec.firstId}+${rec.count}`}, not ${identity.layout ?? `${identity.firstId}+${identity.count}`}`,
        );
      }
      continue;
    }
    const i = rec.i;
    if (!Number.isInteger(i) || i < 0 || i >= identity.count) {
      throw new StoreError(`terminal store ${path}: line ${n + 1} names terminal index ${String(i)} outside the fleet`);
    }
    states.set(i, applyRecord(states.get(i) ?? emptyTerminal(), rec));
  }
  return states;
}

/** Writes `lines` to `path` atomically: a temp file, fsync'd, renamed over it, the folder fsync'd. */
function replaceFile(path: string, lines: string[]): void {
  replaceFileDurably(path, lines.join('\n') + '\n', '.compact');
}

function snapshotLines(identity: StoreIdentity, states: Iterable<[number, PersistedTerminal]>): string[] {
  const head: StoreRecord = { k: 'fleet', firstId: identity.firstId, count: identity.count };
  if (identity.layout !== undefined) head.layout = identity.layout;
  const lines: string[] = [JSON.stringify(head)];
  for (const [i, st] of states) lines.push(JSON.stringify({ k: 'snap', i, st }));
  return lines;
}

export interface StoreOptions {
  /** fsync before a write counts as done (default true). */
  durable?: boolean;
  /** Rewrite the log as a snapshot once this many bytes were appended since the last one (default 64 MiB). */
  compactBytes?: number;
}

export class FleetStore {
  private fd: number;
  private sinceCompaction = 0;
  private snapshotSource: (() => Iterable<[number, PersistedTerminal]>) | null = null;
  private compactions = 0;
  private queue: string[] = [];
  private waiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private flushing = false;
  private closed = false;
  private idle: Array<() => void> = [];
  private bytes = 0;

  private constructor(
    readonly path: string,
    private readonly identity: StoreIdentity,
    private readonly durable: boolean,
    private readonly compactBytes: number,
  ) {
    this.fd = openSync(path, 'a');
  }

  /** Opens (creating or compacting) the store; returns it with the state of every terminal it knows. */
  static open(path: string, identity: StoreIdentity, opts: StoreOptions = {}): { store: FleetStore; states: Map<number, PersistedTerminal> } {
    if (typeof path !== 'string' || path === '') throw new StoreError('storePath must be a non-empty string');
    if (!existsSync(dirname(path))) throw new StoreError(`storePath ${path}: the folder does not exist`);
    const states = readStore(path, identity);
    replaceFile(path, snapshotLines(identity, states));
    return { store: new FleetStore(path, identity, opts.durable !== false, opts.compactBytes ?? 64 * 1024 * 1024), states };
  }

  /** Where the current state of every terminal comes from when the log is compacted while running. */
  setSnapshotSource(source: () => Iterable<[number, PersistedTerminal]>): void {
    this.snapshotSource = source;
  }

  get compactionCount(): number {
    return this.compactions;
  }

  /** Queues a record; the promise resolves once it is on disk (fsync'd when the store is durable). */
  append(rec: StoreRecord): Promise<void> {
    if (this.closed) return Promise.reject(new StoreError('terminal store is closed'));
    this.queue.push(JSON.stringify(rec));
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject });
      if (!this.flushing) {
        this.flushing = true;
        setImmediate(() => this.flush());
      }
    });
  }

  get writtenBytes(): number {
    return this.bytes;
  }

  private flush(): void {
    if (this.queue.length === 0) {
      // Everything appended is on disk and the in-memory state is exactly what the log says: a safe point to
      // replace the log with a snapshot.
      if (this.sinceCompaction >= this.compactBytes && this.snapshotSource !== null && !this.closed) this.compactNow();
      this.flushing = false;
      const idle = this.idle;
      this.idle = [];
      for (const f of idle) f();
      return;
    }
    const data = this.queue.join('\n') + '\n';
    const waiters = this.waiters;
    this.queue = [];
    this.waiters = [];
    const done = (err: Error | null) => {
      if (err) {
        const e = new StoreError(`terminal store ${this.path}: ${err.message}`);
        for (const w of waiters) w.reject(e);
      } else {
        for (const w of waiters) w.resolve();
      }
      this.flush();
    };
    this.bytes += data.length;
    this.sinceCompaction += data.length;
    write(this.fd, data, (err) => {
      if (err || !this.durable) return done(err);
      fsync(this.fd, done);
    });
  }

  private compactNow(): void {
    try {
      replaceFile(this.path, snapshotLines(this.identity, this.snapshotSource!()));
      closeSync(this.fd);
      this.fd = openSync(this.path, 'a');
      this.sinceCompaction = 0;
      this.compactions++;
    } catch (err) {
      log.warn('terminal store compaction failed; the log keeps growing', { path: this.path, error: (err as Error).message });
      this.sinceCompaction = 0;
    }
  }

  /** Waits for every queued record, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.flushing) await new Promise<void>((resolve) => this.idle.push(resolve));
    this.closed = true;
    closeSync(this.fd);
  }
}
