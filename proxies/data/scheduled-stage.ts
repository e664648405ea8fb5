// A stage that holds chunks and lets each go when it is due (latency, bandwidth): the queue, one timer, end,
// update, remove and destroy live here; a toxic says only when its head chunk is due and what of it leaves.
import { performance } from 'node:perf_hooks';
import { HeldQueue } from './held-queue';
import { MAX_TIMER_MS } from './long-timer';
import type { Stage, StageContext } from './stage';

export abstract class ScheduledStage implements Stage {
  protected readonly queue: HeldQueue;
  private timer: NodeJS.Timeout | null = null;
  /** A send may call back into write() (a stage before this one woken synchronously): no second pump inside one. */
  private pumping = false;
  private ending = false;
  private ended = false;

  constructor(protected readonly ctx: StageContext) {
    this.queue = new HeldQueue(ctx);
  }

  /**
   * Lets the head chunk (or a piece of it) go on to `ctx.out` if it is due at `now` and returns 0, or returns
   * how many ms until it is due. Called only while the queue holds a chunk.
   */
  protected abstract step(now: number): number;

  /** The attributes changed: forget any due time already drawn for the head chunk. */
  protected abstract forgetHead(): void;

  /** Called before each chunk is queued. */
  protected beforeWrite(): void {}

  write(chunk: Buffer, arrival: number): void {
    this.beforeWrite();
    this.queue.push(chunk, arrival);
    if (this.timer === null && !this.pumping) this.pump();
  }

  end(): void {
    this.ending = true;
    if (this.timer === null && !this.pumping) this.pump();
  }

  update(): void {
    this.forgetHead();
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
      this.pump();
    }
  }

  /** As Toxiproxy on interrupt: what is held goes on at once. */
  remove(): void {
    this.stopTimer();
    this.queue.drainTo((c, t) => this.ctx.out.write(c, t));
    if (this.ending) this.finish();
  }

  destroy(): void {
    this.stopTimer();
    this.queue.clear();
  }

  private readonly pump = (): void => {
    this.timer = null;
    this.pumping = true;
    try {
      while (this.queue.length > 0) {
        const wait = this.step(performance.now());
        if (wait > 0) {
          this.timer = setTimeout(this.pump, Math.min(wait, MAX_TIMER_MS));
          return;
        }
      }
    } finally {
      this.pumping = false;
    }
    if (this.ending) this.finish();
  };

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    this.ctx.out.end();
  }

  private stopTimer(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }
}
