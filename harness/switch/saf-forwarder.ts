// Store and forward: each queued reversal goes to the issuer as 0420, then 0421 repeats with exponential
// backoff until an 0430 with 00 or 25 comes back (or maxTries is reached). The try is recorded before each send,
// so after a restart the next send is a repeat (0421).
import { cardRef } from '../security/card';
import type { ReversalRecord } from '../reconcile/records';
import type { Logger } from '../log';
import { transmissionDateTime } from './clock';
import { isReversalDone } from './codes';
import type { IssuerMux } from './issuer-mux';
import { issuerReversal, type ReversalSubject } from './issuer-messages';
import type { SwitchMetrics } from './metrics';
import type { SafItem, SafStore } from './saf-store';

export interface SafForwarderOptions {
  initialBackoffMs: number;
  maxBackoffMs: number;
  maxTries: number;
  /** How long each try waits for the 0430. */
  ackTimeoutMs: number;
  acquirerId: string;
}

export class SafForwarder {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private readonly sending = new Set<Promise<void>>();
  private closed = false;
  /** Items with status pending: the queue depth, kept as a count so a change costs nothing. */
  private depth = 0;

  constructor(
    private readonly store: SafStore,
    private readonly issuer: IssuerMux,
    private readonly opts: SafForwarderOptions,
    private readonly metrics: SwitchMetrics,
    private readonly log: Logger,
  ) {}

  /** Resumes every pending reversal found in the store (after a restart). */
  start(): void {
    for (const item of this.store.all()) {
      if (item.record.status !== 'pending') continue;
      this.depth++;
      this.schedule(item, 0);
    }
    this.updateDepth();
  }

  /** Queues a reversal; it is on disk when this returns, and its first send is scheduled at once. */
  enqueue(subject: ReversalSubject): ReversalRecord {
    const record: ReversalRecord = {
      initiator: 'switch', reason: subject.reason, initiatedAt: Date.now(), tries: 0, status: 'pending',
      terminalId: subject.terminalId, merchantId: subject.merchantId, stan: subject.stan,
      amount: Number(subject.amount), cardRef: cardRef(subject.pan),
      rrn: subject.originalRrn, transmissionDateTime: subject.originalTransmissionDateTime,
    };
    const item = this.store.add(subject, record);
    this.log.info('reversal queued for store and forward', { terminal: subject.terminalId, stan: subject.stan, rrn: subject.originalRrn });
    this.depth++;
    this.schedule(item, 0);
    this.updateDepth();
    return item.record;
  }

  /** Every reversal of this journal: acknowledged in earlier runs, then the queue. */
  records(): ReversalRecord[] {
    const out = this.store.settledRecords().map((r) => ({ ...r }));
    for (const item of this.store.all()) out.push({ ...item.record });
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    await Promise.all([...this.sending]);
  }

  private schedule(item: SafItem, delayMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(() => {
      this.timers.delete(item.id);
      const p = this.attempt(item)
        .catch((err: unknown) => {
          // A journal that cannot be written: the reversal stays pending in memory and is tried again later.
          this.log.error('store-and-forward attempt failed', { terminal: item.subject.terminalId, stan: item.subject.stan, error: err instanceof Error ? err.message : String(err) });
          if (!this.closed) this.schedule(item, this.opts.maxBackoffMs);
        })
        .finally(() => this.sending.delete(p));
      this.sending.add(p);
    }, delayMs);
    this.timers.set(item.id, timer);
  }

  private backoff(tries: number): number {
    return Math.min(this.opts.maxBackoffMs, this.opts.initialBackoffMs * 2 ** Math.max(0, tries - 1));
  }

  private async attempt(item: SafItem): Promise<void> {
    if (this.closed || item.record.status !== 'pending') return;
    const tries = item.record.tries + 1;
    const mti = tries === 1 ? '0420' : '0421';
    this.store.update(item.id, { tries });
    if (mti === '0421') this.metrics.safRetries.inc();
    const msg = issuerReversal(mti, item.subject, transmissionDateTime(new Date()), this.opts.acquirerId);
    const result = await this.issuer.request(msg, { deadline: Date.now() + this.opts.ackTimeoutMs });
    const code = result.response === undefined ? undefined : String(result.response.fields[39] ?? '');
    if (result.outcome === 'answered' && isReversalDone(code)) {
      this.store.update(item.id, { status: 'acknowledged', acknowledgedAt: Date.now(), ackCode: code });
      this.metrics.safAcknowledged.inc();
      this.log.info('store-and-forward reversal acknowledged', { terminal: item.subject.terminalId, stan: item.subject.stan, code, tries });
      this.depth--;
      this.updateDepth();
      return;
    }
    if (this.closed) return;
    if (tries >= this.opts.maxTries) {
      this.store.update(item.id, { status: 'failed' });
      this.log.warn('store-and-forward reversal given up', { terminal: item.subject.terminalId, stan: item.subject.stan, tries });
      this.depth--;
      this.updateDepth();
      return;
    }
    this.log.info('store-and-forward reversal not acknowledged, will repeat', { terminal: item.subject.terminalId, stan: item.subject.stan, outcome: result.outcome, code, tries });
    this.schedule(item, this.backoff(tries));
  }

  private updateDepth(): void {
    this.metrics.safDepth.set(this.depth);
  }
}
