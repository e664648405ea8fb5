// A FIFO of chunks a stage holds back (latency, bandwidth, slicer), with backpressure on the link's source.
import type { StageContext } from './stage';

/** Past this many held bytes, or chunks, a stage pauses its source; it resumes below half of both. */
export const HOLD_HIGH_WATER = 4 * 1024 * 1024;
/** Counted too, because a chunk costs memory of its own: slicer pieces of one byte would otherwise pile up by millions. */
export const HOLD_MAX_CHUNKS = 16 * 1024;

export class HeldQueue {
  private chunks: Buffer[] = [];
  private arrivals: number[] = [];
  private head = 0;
  private heldBytes = 0;
  private pausing = false;

  constructor(private readonly ctx: StageContext) {}

  get length(): number {
    return this.chunks.length - this.head;
  }

  push(chunk: Buffer, arrival: number): void {
    this.chunks.push(chunk);
    this.arrivals.push(arrival);
    this.heldBytes += chunk.length;
    if (!this.pausing && (this.heldBytes > HOLD_HIGH_WATER || this.length > HOLD_MAX_CHUNKS)) {
      this.pausing = true;
      this.ctx.pause();
    }
  }

  peekChunk(): Buffer {
    return this.chunks[this.head];
  }

  peekArrival(): number {
    return this.arrivals[this.head];
  }

  /** Drop the first `n` bytes of the head chunk (a partial send); the head must be longer than `n`. */
  trimHead(n: number): void {
    this.chunks[this.head] = this.chunks[this.head].subarray(n);
    this.release(n);
  }

  shift(): Buffer {
    const chunk = this.chunks[this.head];
    this.chunks[this.head] = EMPTY;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.arrivals = this.arrivals.slice(this.head);
      this.head = 0;
    } else if (this.head === this.chunks.length) {
      this.chunks.length = 0;
      this.arrivals.length = 0;
      this.head = 0;
    }
    this.release(chunk.length);
    return chunk;
  }

  /** Hand every held chunk to `write` in order (used when the toxic is removed). */
  drainTo(write: (chunk: Buffer, arrival: number) => void): void {
    while (this.length > 0) {
      const arrival = this.peekArrival();
      write(this.shift(), arrival);
    }
  }

  clear(): void {
    this.chunks = [];
    this.arrivals = [];
    this.head = 0;
    this.release(this.heldBytes);
  }

  private release(n: number): void {
    this.heldBytes -= n;
    if (this.pausing && this.heldBytes <= HOLD_HIGH_WATER / 2 && this.length <= HOLD_MAX_CHUNKS / 2) {
      this.pausing = false;
      this.ctx.resume();
    }
  }
}

const EMPTY = Buffer.alloc(0);
