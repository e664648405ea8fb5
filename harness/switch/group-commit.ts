// An append-only file with group commit: lines appended while a write+fdatasync is in flight go out together in
// the next one, so under load one fsync covers many lines and a lone line waits for nothing but its own.
import * as fs from 'node:fs';

interface Waiter {
  resolve: () => void;
  reject: (e: Error) => void;
}

export class GroupCommitFile {
  private fd: number;
  private queue: string[] = [];
  private waiters: Waiter[] = [];
  private flushing: Promise<void> | null = null;
  private failed: Error | null = null;

  constructor(readonly file: string) {
    this.fd = fs.openSync(file, 'a');
  }

  /** Resolves once an fdatasync covering `line` has returned; rejects when the file cannot be written. */
  append(line: string): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.fd < 0) return Promise.reject(new Error(`${this.file} is closed`));
    this.queue.push(line + '\n');
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.flushing ??= this.flushLoop();
    return done;
  }

  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }

  private async flushLoop(): Promise<void> {
    // Let this turn of the event loop queue what else it has before the first write.
    await new Promise<void>((r) => setImmediate(r));
    while (this.queue.length > 0) {
      const text = this.queue.join('');
      const waiters = this.waiters;
      this.queue = [];
      this.waiters = [];
      try {
        await writeAndSync(this.fd, Buffer.from(text, 'utf8'));
      } catch (e) {
        this.failed = new Error(`${this.file}: ${e instanceof Error ? e.message : String(e)}`);
        for (const w of [...waiters, ...this.waiters]) w.reject(this.failed);
        this.waiters = [];
        this.queue = [];
        break;
      }
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
