// The live progress of a run: one rewritten line on a TTY, a plain log line every few seconds otherwise.
export interface ProgressState {
  elapsedMs: number;
  phase: 'load' | 'settle' | 'reconcile';
  sent: number;
  planned: number;
  approved: number;
  failed: number;
  reversalsPending: number;
  faults: string[];
}

export function progressText(s: ProgressState): string {
  const faults = s.faults.length === 0 ? 'none' : s.faults.length > 2 ? `${s.faults.slice(0, 2).join('; ')} +${s.faults.length - 2}` : s.faults.join('; ');
  return (
    `${(s.elapsedMs / 1000).toFixed(1).padStart(6)}s ${s.phase.padEnd(6)} ` +
    `sent ${s.sent}/${s.planned}  approved ${s.approved}  failed ${s.failed}  reversals pending ${s.reversalsPending}  faults: ${faults}`
  );
}

export class ProgressReporter {
  private timer: NodeJS.Timeout | null = null;
  private lastLog = 0;
  private readonly tty: boolean;

  constructor(
    private readonly read: () => ProgressState,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly logEveryMs = 5000,
  ) {
    this.tty = out.isTTY === true;
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), this.tty ? 250 : 1000);
    this.timer.unref();
  }

  private tick(): void {
    const s = this.read();
    if (this.tty) {
      const width = Math.max(40, (this.out.columns ?? 120) - 1);
      this.out.write(`\r${progressText(s).slice(0, width).padEnd(width)}`);
    } else if (s.elapsedMs - this.lastLog >= this.logEveryMs) {
      this.lastLog = s.elapsedMs;
      this.out.write(`posfault: ${progressText(s)}\n`);
    }
  }

  /** Writes one last state and ends the TTY line. */
  stop(): void {
    if (this.timer === null) return;
    clearInterval(this.timer);
    this.timer = null;
    const s = this.read();
    if (this.tty) this.out.write(`\r${progressText(s)}\n`);
    else this.out.write(`posfault: ${progressText(s)}\n`);
  }
}
