// Plays the planned intents against the fleet at their planned times: sales and inquiries as purchase intents
// (the fleet makes the second swipe), voids and refunds of the earlier sale they name. Bounded in outstanding work.
import type { AccountSpec } from '../issuer';
import type { AttemptRecord } from '../reconcile/records';
import type { Fleet } from '../terminal';
import type { PlannedIntent } from './plan';

export interface IntentResult {
  intent: PlannedIntent;
  outcome: string;
  responseCode?: string;
  latencyMs: number;
}

export interface LoadCallbacks {
  sent(intent: PlannedIntent): void;
  finished(r: IntentResult): void;
  skipped(intent: PlannedIntent, why: string): void;
}

function pinOf(a: AccountSpec): string | undefined {
  if (a.pin !== undefined) return a.pin;
  return a.pinRule === 'pan-last-4' ? a.pan.slice(-4) : undefined;
}

function mmdd(ms: number): string {
  const d = new Date(ms);
  return String(d.getMonth() + 1).padStart(2, '0') + String(d.getDate()).padStart(2, '0');
}

export class LoadDriver {
  private outstanding = new Set<Promise<void>>();
  private stopped = false;
  sent = 0;

  constructor(
    private readonly fleet: Fleet,
    private readonly accounts: AccountSpec[],
    private readonly cb: LoadCallbacks,
    private readonly maxOutstanding: number,
  ) {}

  stop(): void {
    this.stopped = true;
  }

  get inFlight(): number {
    return this.outstanding.size;
  }

  /** Sends every intent at `t0 + intent.at`; resolves when all have been handed over (not finished). */
  async play(intents: readonly PlannedIntent[], t0: number): Promise<void> {
    for (const intent of intents) {
      if (this.stopped) return;
      const wait = t0 + intent.at - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      while (this.outstanding.size >= this.maxOutstanding && !this.stopped) await Promise.race(this.outstanding);
      if (this.stopped) return;
      const p = this.dispatch(intent).finally(() => this.outstanding.delete(p));
      this.outstanding.add(p);
    }
  }

  /** Resolves when every intent handed over has finished, or after `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.outstanding.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(this.outstanding), new Promise((r) => (timer = setTimeout(r, left)))]);
      clearTimeout(timer);
    }
    return true;
  }

  private async dispatch(intent: PlannedIntent): Promise<void> {
    const started = Date.now();
    const account = this.accounts[intent.cardIndex];
    try {
      if (intent.kind === 'sale' || intent.kind === 'inquiry') {
        this.sent++;
        this.cb.sent(intent);
        const pin = pinOf(account);
        const o = await this.fleet.submit({
          intentId: intent.id,
          pan: account.pan,
          expiry: account.expiry,
          ...(pin !== undefined ? { pin } : {}),
          amount: intent.amount,
          kind: intent.kind,
          terminalIndex: intent.terminalIndex,
          secondSwipe: intent.secondSwipe,
        });
        this.cb.finished({ intent, outcome: o.outcome, ...(o.responseCode ? { responseCode: o.responseCode } : {}), latencyMs: Date.now() - started });
        return;
      }
      const original = this.approvedSale(intent.originalId as string);
      if (!original) {
        this.cb.skipped(intent, `its sale ${intent.originalId} was not approved, or was reversed`);
        return;
      }
      this.sent++;
      this.cb.sent(intent);
      const r =
        intent.kind === 'void'
          ? await this.fleet.void(intent.terminalIndex, original.stan, intent.id)
          : await this.fleet.refund(intent.terminalIndex, {
              pan: account.pan,
              expiry: account.expiry,
              amount: Math.max(1, Math.min(intent.amount, original.amount)),
              original: { rrn: original.rrn as string, batch: original.batch, stan: original.stan, date: mmdd(original.sentAt) },
              intentId: intent.id,
            });
      this.cb.finished({ intent, outcome: r.outcome, ...(r.responseCode ? { responseCode: r.responseCode } : {}), latencyMs: Date.now() - started });
    } catch (err) {
      this.cb.finished({ intent, outcome: `error: ${(err as Error).message}`, latencyMs: Date.now() - started });
    }
  }

  private approvedSale(intentId: string): AttemptRecord | undefined {
    const attempts = this.fleet.attempts();
    for (let i = attempts.length - 1; i >= 0; i--) {
      const a = attempts[i];
      // A sale approved and then reversed (a receipt that did not print, a bad MAC) cannot be voided or refunded.
      if (a.intentId === intentId && a.kind === 'sale' && a.result === 'approved' && a.rrn && a.reversal === undefined) return a;
    }
    return undefined;
  }
}

