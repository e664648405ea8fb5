// An append-only file with group commit: lines appended while a write+fdatasync is in flight go out together in
// the next one, so under load one fsync covers many lines and a lone line waits for nothing but its own. `append`
// resolves only once the fdatasync covering its line has returned. Used by the issuer's ledger and the switch's
// duplicate window.
import * as fs from 'node:fs';

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

/** One write+fdatasync that returned: its lines (with the tags they were appended with) and how long it took. */
export interface Commit<T> {
  lines: readonly string[];
  tags: readonly T[];
  seconds: number;
}

export interface GroupCommitOptions<T> {
  /** Called after each fdatasync, before the appenders of its lines hear back. */
  onCommit?: (commit: Commit<T>) => void;
  /** The error appenders get when the file cannot be written (or is closed), from its message. */
  error?: (message: string) => Error;
}

export class GroupCommitFile<T = undefined> {
  private readonly fd: number;
  private queue: string[] = [];
  private tags: T[] = [];
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | null = null;
  private failed: Error | null = null;
  private closed = false;

  constructor(readonly file: string, private readonly options: GroupCommitOptions<T> = {}) {
    this.fd = fs.openSync(file, 'a');
  }

  /** The error that stopped the file, if any: nothing is written after it. */
  get error(): Error | null {
    return this.failed;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Queues `line` (no newline); resolves once an fdatasync covering it has returned. */
  append(line: string, tag?: T): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.closed) return Promise.reject(this.makeError(`${this.file} is closed`));
    this.queue.push(line + '\n');
    this.tags.push(tag as T);
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.flushing ??= this.flushLoop();
    return done;
  }

  /** Waits for everything queued to be on disk, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing) await this.flushing;
    fs.closeSync(this.fd);
  }

  /** As a crash: what is queued and not yet written is lost, its appenders never hear back. */
  async abandon(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue = [];
    this.tags = [];
    this.waiters = [];
    while (this.flushing) await this.flushing;
    fs.closeSync(this.fd);
  }

  private makeError(message: string): Error {
    return this.options.error?.(message) ?? new Error(message);
  }

  private async flushLoop(): Promise<void> {
    // Let this turn of the event loop queue what else it has before the first write.
    await new Promise<void>((r) => setImmediate(r));
    while (this.queue.length > 0 && !this.failed) {
      const lines = this.queue;
      const tags = this.tags;
      const waiters = this.waiters;
      this.queue = [];
      this.tags = [];
      this.waiters = [];
      const started = process.hrtime.bigint();
      try {
        await writeAndSync(this.fd, Buffer.from(lines.join(''), 'utf8'));
      } catch (e) {
        this.failed = this.makeError(`${this.file}: ${e instanceof Error ? e.message : String(e)}`);
        for (const w of [...waiters, ...this.waiters]) w.reject(this.failed);
        this.waiters = [];
        this.queue = [];
        this.tags = [];
        break;
      }
      this.options.onCommit?.({ lines, tags, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
      for (const w of waiters) w.resolve();
    }
    this.flushing = null;
  }
}

function writeAndSync(fd: number, buf: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const step = (offset: number) => {
      fs.write(fd, buf, offset, buf.length - offset, null, (err, written) => {
        if (err) return reject(err);
        if (offset + written < buf.length) return step(offset + written);
        fs.fdatasync(fd, (syncErr) => (syncErr ? reject(syncErr) : resolve()));
      });
    };
    step(0);
  });
}
