// One interval for every timeout of the fleet (connect, response, carrier, redial delay). A terminal waiting for
// nothing holds no timer; the interval itself runs only while some timeout is armed.

export interface WheelTimer {
  at: number;
  fn: () => void;
  /** Set when fired or cancelled. */
  done: boolean;
}

export class TimerWheel {
  private readonly slots: WheelTimer[][];
  private readonly tickMs: number;
  private cursor = 0;
  private cursorTime = 0;
  private armed = 0;
  private interval: NodeJS.Timeout | null = null;

  constructor(tickMs = 10, slotCount = 1024) {
    if (!Number.isInteger(tickMs) || tickMs < 1) throw new RangeError(`timer wheel tick must be a positive integer, got ${tickMs}`);
    this.tickMs = tickMs;
    this.slots = Array.from({ length: slotCount }, () => []);
  }

  /** Calls `fn` once, about `ms` from now (never early, at most one tick late). */
  after(ms: number, fn: () => void): WheelTimer {
    const now = Date.now();
    if (this.interval === null) {
      this.cursorTime = now;
      this.interval = setInterval(() => this.tick(), this.tickMs);
    }
    const timer: WheelTimer = { at: now + Math.max(0, ms), fn, done: false };
    const ticksAhead = Math.max(1, Math.ceil((timer.at - this.cursorTime) / this.tickMs));
    this.slots[(this.cursor + ticksAhead) % this.slots.length].push(timer);
    this.armed++;
    return timer;
  }

  cancel(timer: WheelTimer | null | undefined): void {
    if (timer && !timer.done) {
      timer.done = true;
      this.disarm();
    }
  }

  /** A promise that resolves after `ms` (a redial delay). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  get pending(): number {
    return this.armed;
  }

  /** Stops the interval and drops every armed timeout without calling it. */
  stop(): void {
    for (const slot of this.slots) {
      for (const t of slot) t.done = true;
      slot.length = 0;
    }
    this.armed = 0;
    if (this.interval !== null) clearInterval(this.interval);
    this.interval = null;
  }

  private disarm(): void {
    this.armed--;
    if (this.armed === 0 && this.interval !== null) {
      clearInterval(this.interval);
      this.interval = null;
      for (const slot of this.slots) slot.length = 0;
    }
  }

  private tick(): void {
    const now = Date.now();
    // Catch up on every slot whose time has come (the event loop may have been busy for several ticks).
    while (this.cursorTime + this.tickMs <= now && this.interval !== null) {
      this.cursor = (this.cursor + 1) % this.slots.length;
      this.cursorTime += this.tickMs;
      const slot = this.slots[this.cursor];
      if (slot.length === 0) continue;
      const keep: WheelTimer[] = [];
      const due: WheelTimer[] = [];
      for (const t of slot) {
        if (t.done) continue;
        if (t.at <= now) due.push(t);
        else keep.push(t);
      }
      this.slots[this.cursor] = keep;
      for (const t of due) {
        if (t.done) continue;
        t.done = true;
        this.disarm();
        t.fn();
      }
    }
  }
}
