// N virtual terminals from one description, driven by purchase intents; the records the reconciler reads.
import { JournalSink } from '../printers/journal-sink';
import { ReceiptJournal } from '../printers/receipt-journal';
import type { PrinterSink, PrintResult } from '../printers/types';
import type { AttemptRecord, IntentOutcome, ReceiptRecord } from '../reconcile/records';
import { FleetConfigError, resolveFleetConfig, type FleetConfig } from './config';
import { groupLayout, type ResolvedGroup } from './groups';
import { newCounters, type FleetContext, type FleetCounters, type Failure, type TransactionResult } from './context';
import { purchase, refund, voidSale, type RefundInput } from './financial';
import type { LineContext } from './line';
import { pad6 } from './messages';
import { restoredAttempt, tryReversal, unjournalRestored } from './reversal';
import { settle, type SettlementResult } from './settlement';
import type { PersistedTerminal } from './persisted';
import { FleetStore } from './store';
import { Terminal, type SignOnResult } from './terminal';
import { TimerWheel } from './timer-wheel';
import { Wire } from './wire';

export interface PurchaseIntent {
  intentId: string;
  pan: string;
  /** YYMM */
  expiry: string;
  pin?: string;
  /** Fen. */
  amount: number;
  kind?: 'sale' | 'inquiry';
  terminalIndex?: number;
  /** On a failure the customer swipes again (a new attempt). */
  secondSwipe?: boolean;
}

/** IntentOutcome plus why it failed, when it did. */
export interface FleetOutcome extends IntentOutcome {
  failure?: Failure;
  /** Why the terminal refused the intent itself (failure = receipt-owed), as it shows it. */
  reason?: string;
}

export interface MessageTrail {
  terminalIndex: number;
  direction: 'out' | 'in';
  at: number;
  body: Buffer;
}

export interface FleetStats extends FleetCounters {
  terminals: number;
  /** Terminals working on something now. */
  inFlight: number;
  /** Intents waiting for a free terminal. */
  queuedIntents: number;
  pendingReversals: number;
  /** Reversals whose tries are used up, kept in the store. */
  failedReversals: number;
  pendingReprints: number;
  /** Bytes appended to the store, and how often it was rewritten as a snapshot while running. */
  storeBytes: number;
  storeCompactions: number;
  /** Timeouts armed in the fleet's timer wheel, and connections open: both 0 for an idle dial-up fleet. */
  timersArmed: number;
  openLines: number;
}

export interface TerminalInfo {
  terminalId: string;
  merchantId: string;
  /** The last STAN used. */
  stan: string;
  batch: string;
  signedOn: boolean;
  pendingReversal: { stan: string; reason: string; tries: number } | null;
  failedReversals: number;
  journal: Array<{ kind: string; stan: string; batch: string; amount: number; status: string }>;
  reprintPending: boolean;
}

export class FleetInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FleetInputError';
  }
}

/** Codes after which a customer is asked to swipe again (the cardholder's own declines are final). */
const RETRY_CODES = new Set(['A0', '77', '99', '94', '96', '98', '91', '92', '90', '68']);

function retryable(r: TransactionResult): boolean {
  if (r.outcome === 'approved-with-receipt' || r.outcome === 'approved-without-receipt') return false;
  // Another swipe cannot put paper in the printer.
  if (r.failure === 'receipt-owed') return false;
  if (r.failure !== undefined) return true;
  return r.responseCode !== undefined && RETRY_CODES.has(r.responseCode);
}

function checkIntent(intent: PurchaseIntent, count: number): void {
  if (intent === null || typeof intent !== 'object') throw new FleetInputError('a purchase intent must be an object');
  if (typeof intent.intentId !== 'string' || intent.intentId === '') throw new FleetInputError('intentId must be a non-empty string');
  if (typeof intent.pan !== 'string' || !/^\d{12,19}$/.test(intent.pan)) throw new FleetInputError(`intent ${intent.intentId}: pan must be 12 to 19 digits`);
  if (typeof intent.expiry !== 'string' || !/^\d{2}(0[1-9]|1[0-2])$/.test(intent.expiry)) throw new FleetInputError(`intent ${intent.intentId}: expiry must be YYMM`);
  if (intent.pin !== undefined && (typeof intent.pin !== 'string' || !/^\d{4,12}$/.test(intent.pin))) throw new FleetInputError(`intent ${intent.intentId}: pin must be 4 to 12 digits`);
  if (intent.kind !== undefined && intent.kind !== 'sale' && intent.kind !== 'inquiry') throw new FleetInputError(`intent ${intent.intentId}: kind must be 'sale' or 'inquiry'`);
  if ((intent.kind ?? 'sale') === 'sale' && (!Number.isInteger(intent.amount) || intent.amount < 1 || intent.amount > 999_999_999_999)) {
    throw new FleetInputError(`intent ${intent.intentId}: amount must be a whole number of fen from 1 to 999999999999`);
  }
  if (intent.terminalIndex !== undefined) checkIndex(intent.terminalIndex, count);
  if (intent.secondSwipe !== undefined && typeof intent.secondSwipe !== 'boolean') throw new FleetInputError(`intent ${intent.intentId}: secondSwipe must be a boolean`);
}

function checkIndex(i: unknown, count: number): number {
  if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= count) {
    throw new FleetInputError(`terminal index must be an integer from 0 to ${count - 1}, got ${String(i)}`);
  }
  return i;
}

export class Fleet {
  onMessage?: (trail: MessageTrail) => void;
  private readonly ctx: FleetContext;
  private readonly terminals: Terminal[];
  /** Free terminals, first freed first used (a ring), so that the load spreads over the whole fleet. */
  private readonly idle: Int32Array;
  private idleHead = 0;
  private idleSize = 0;
  private readonly inIdle: Uint8Array;
  private readonly waiting: Array<{ run: (t: Terminal) => void; reject: (e: Error) => void }> = [];
  private readonly ownedSink: JournalSink | null;
  private closed: Promise<void> | null = null;

  /** Use createFleet(). */
  constructor(config: FleetConfig) {
    const cfg = resolveFleetConfig(config);
    const wire = new Wire(cfg.dialect);
    // Identities first: a bad merchant id or TMK is refused before the store is touched.
    const groupOf = new Array<ResolvedGroup>(cfg.count);
    for (const g of cfg.groups) groupOf.fill(g, g.firstIndex, g.firstIndex + g.count);
    const idOf = new Int32Array(cfg.count);
    for (let i = 0; i < cfg.count; i++) idOf[i] = i;
    for (const [a, b] of cfg.sharedIds) idOf[b] = a;
    const terminalIds = new Array<string>(cfg.count);
    const merchantIds = new Array<string>(cfg.count);
    for (let i = 0; i < cfg.count; i++) {
      const g = groupOf[idOf[i]];
      const terminalId = String(g.firstId + idOf[i] - g.firstIndex).padStart(8, '0');
      const merchantId = g.merchantId(terminalId);
      if (typeof merchantId !== 'string' || !/^[\x20-\x7e]{15}$/.test(merchantId)) {
        throw new FleetConfigError(`${g.label}.merchantId(${terminalId}) must give 15 printable characters (field 42), got ${JSON.stringify(merchantId)}`);
      }
      terminalIds[i] = terminalId;
      merchantIds[i] = merchantId;
    }
    if (cfg.tmk !== null) checkTmk(cfg.tmk, terminalIds[0]);
    const { store, states } = FleetStore.open(cfg.storePath, { firstId: cfg.firstId, count: cfg.count, layout: groupLayout(cfg.groups) }, {
      durable: cfg.durable, compactBytes: cfg.storeCompactBytes,
    });
    const wheel = new TimerWheel(cfg.tickMs);
    const stats = newCounters();
    const line: LineContext = {
      wire, wheel, host: cfg.host, port: cfg.port, connectMs: cfg.connectMs, carrierMs: cfg.carrierMs, stats,
      trail: (terminalIndex, direction, body) => {
        const cb = this.onMessage;
        if (cb !== undefined) cb({ terminalIndex, direction, at: Date.now(), body: Buffer.from(body) });
      },
      live: new Set(),
    };
    // The fleet's receipt journal records every print already: the default sink keeps no second list.
    this.ownedSink = cfg.sink === null ? new JournalSink({ keep: false }) : null;
    const sinkFor = cfg.sink ?? ((): PrinterSink => this.ownedSink!);
    this.ctx = {
      cfg, wire, wheel, store, line, stats, attempts: [], outcomes: [], receiptJournal: new ReceiptJournal(cfg.receiptJournalPath),
      sinkFor, closing: false, busyTerminals: 0, onIdle: (t) => this.release(t),
    };
    this.terminals = new Array<Terminal>(cfg.count);
    this.inIdle = new Uint8Array(cfg.count);
    this.idle = new Int32Array(cfg.count);
    for (let i = 0; i < cfg.count; i++) {
      const t = new Terminal(this.ctx, i, groupOf[i], terminalIds[i], merchantIds[i], states.get(i));
      this.terminals[i] = t;
      const restored = restoredAttempt(t);
      if (restored !== null) {
        this.ctx.attempts.push(restored);
        unjournalRestored(t);
      }
      this.pushIdle(i);
    }
    const terminals = this.terminals;
    store.setSnapshotSource(function* () {
      for (const t of terminals) {
        const st = t.toPersisted();
        if (st !== null) yield [t.index, st] as [number, PersistedTerminal];
      }
    });
  }

  get size(): number {
    return this.terminals.length;
  }

  private terminal(i: number): Terminal {
    if (this.closed !== null) throw new FleetInputError('the fleet is closed');
    return this.terminals[checkIndex(i, this.terminals.length)];
  }

  private pushIdle(i: number): void {
    if (this.inIdle[i] === 1) return;
    this.inIdle[i] = 1;
    this.idle[(this.idleHead + this.idleSize) % this.idle.length] = i;
    this.idleSize++;
  }

  private shiftIdle(): number {
    const i = this.idle[this.idleHead];
    this.idleHead = (this.idleHead + 1) % this.idle.length;
    this.idleSize--;
    this.inIdle[i] = 0;
    return i;
  }

  private release(t: Terminal): void {
    if (this.ctx.closing) return;
    const next = this.waiting.shift();
    if (next !== undefined) return next.run(t);
    this.pushIdle(t.index);
  }

  /** Runs `op` on the given terminal, or on the first free one (waiting for one when all are busy). */
  private run<T>(index: number | undefined, op: (t: Terminal) => Promise<T>): Promise<T> {
    if (index !== undefined) {
      let t: Terminal;
      try {
        t = this.terminal(index);
      } catch (err) {
        return Promise.reject(err);
      }
      return t.enqueue(() => op(t));
    }
    if (this.closed !== null) return Promise.reject(new FleetInputError('the fleet is closed'));
    while (this.idleSize > 0) {
      const t = this.terminals[this.shiftIdle()];
      if (!t.queued) return t.enqueue(() => op(t));
    }
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ run: (t) => void t.enqueue(() => op(t)).then(resolve, reject), reject });
    });
  }

  /** One customer paying: one attempt, or two when the intent asks for a second swipe after a failure. */
  submit(intent: PurchaseIntent): Promise<FleetOutcome> {
    try {
      checkIntent(intent, this.terminals.length);
    } catch (err) {
      return Promise.reject(err);
    }
    const input = {
      intentId: intent.intentId, pan: intent.pan, expiry: intent.expiry, amount: intent.amount, kind: intent.kind ?? 'sale',
      ...(intent.pin !== undefined ? { pin: intent.pin } : {}),
    } as const;
    return this.run(intent.terminalIndex, async (t) => {
      const started = Date.now();
      let r = await purchase(t, input, 1);
      let attempts = r.attempt !== null ? 1 : 0;
      if (intent.secondSwipe === true && retryable(r) && !this.ctx.closing) {
        r = await purchase(t, input, attempts + 1);
        if (r.attempt !== null) attempts++;
      }
      const out: FleetOutcome = { intentId: intent.intentId, outcome: r.outcome, attempts, latencyMs: Date.now() - started };
      if (r.responseCode !== undefined) out.responseCode = r.responseCode;
      if (r.failure !== undefined) out.failure = r.failure;
      if (r.reason !== undefined) out.reason = r.reason;
      this.ctx.outcomes.push(out);
      return out;
    });
  }

  /** Void (消费撤销) of a sale of the current batch, named by its voucher number (STAN). */
  void(terminalIndex: number, stan: string, intentId?: string): Promise<TransactionResult> {
    try {
      const t = this.terminal(terminalIndex);
      if (typeof stan !== 'string' || !/^\d{6}$/.test(stan)) throw new FleetInputError('the voucher number (STAN) must be 6 digits');
      return t.enqueue(() => voidSale(t, stan, intentId));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Refund (退货, 0220) of a sale of an earlier batch. */
  refund(terminalIndex: number, req: RefundInput): Promise<TransactionResult> {
    try {
      const t = this.terminal(terminalIndex);
      if (req === null || typeof req !== 'object') throw new FleetInputError('a refund needs { pan, expiry, amount, original }');
      checkIntent({ intentId: req.intentId ?? 'refund', pan: req.pan, expiry: req.expiry, amount: req.amount }, this.terminals.length);
      const o = req.original;
      if (o === null || typeof o !== 'object' || !/^\d{6}$/.test(String(o.batch)) || !/^\d{6}$/.test(String(o.stan)) || !/^\d{4}$/.test(String(o.date)) || typeof o.rrn !== 'string' || o.rrn.length !== 12) {
        throw new FleetInputError('refund original must be { rrn: 12 characters, batch: 6 digits, stan: 6 digits, date: MMDD }');
      }
      return t.enqueue(() => refund(t, req));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  settle(terminalIndex: number): Promise<SettlementResult> {
    try {
      const t = this.terminal(terminalIndex);
      return t.enqueue(() => settle(t));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Prints the last receipt again, marked 重打印 REPRINT. */
  reprintLast(terminalIndex: number): Promise<PrintResult> {
    try {
      const t = this.terminal(terminalIndex);
      return t.enqueue(() => t.reprintLast());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  signOn(terminalIndex: number): Promise<SignOnResult> {
    try {
      const t = this.terminal(terminalIndex);
      return t.enqueue(() => t.signOn());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Signs on every terminal not signed on, `concurrency` at a time; resolves with the failures. */
  async signOnAll(concurrency = 256): Promise<Array<{ terminalIndex: number; result: SignOnResult }>> {
    const failures: Array<{ terminalIndex: number; result: SignOnResult }> = [];
    let next = 0;
    const worker = async () => {
      while (next < this.terminals.length && !this.ctx.closing) {
        const t = this.terminals[next++];
        const r = await t.enqueue(() => t.ensureSignedOn());
        if (!r.ok) failures.push({ terminalIndex: t.index, result: r });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, this.terminals.length)) }, worker));
    return failures;
  }

  /** Sends every pending reversal (its remaining tries) and every pending reprint whose printer is ready. */
  async drainReversals(): Promise<void> {
    const work: Promise<unknown>[] = [];
    for (const t of this.terminals) {
      if ((t.reversal !== null && t.reversal.status === 'pending') || t.reprintPending) {
        work.push(t.enqueue(async () => {
          await t.reprintIfPending();
          await tryReversal(t, Infinity);
        }).catch(() => undefined));
      }
    }
    await Promise.all(work);
  }

  /** The STAN counter as a terminal that lost its memory has it: the next request uses `stan`. */
  resetStan(terminalIndex: number, stan: number): void {
    const t = this.terminal(terminalIndex);
    if (!Number.isInteger(stan) || stan < 1 || stan > 999_999) throw new FleetInputError(`STAN must be an integer from 1 to 999999, got ${String(stan)}`);
    t.stan = stan - 1;
    void this.ctx.store.append({ k: 'stan', i: t.index, s: t.stan }).catch(() => undefined);
  }

  terminalInfo(terminalIndex: number): TerminalInfo {
    const t = this.terminal(terminalIndex);
    const rev = t.reversal;
    return {
      terminalId: t.terminalId,
      merchantId: t.merchantId,
      stan: pad6(t.stan),
      batch: t.batchText,
      signedOn: t.mak !== null || t.storedKeys !== null,
      pendingReversal: rev === null ? null : { stan: rev.fields[11], reason: rev.fields[39], tries: rev.tries },
      failedReversals: t.failedReversals?.length ?? 0,
      journal: (t.journal ?? []).map((e) => ({ kind: e.kind, stan: e.stan, batch: e.batch, amount: e.amount, status: e.status })),
      reprintPending: t.reprintPending,
    };
  }

  attempts(): AttemptRecord[] {
    return this.ctx.attempts.slice();
  }

  receipts(): ReceiptRecord[] {
    return this.ctx.receiptJournal.records();
  }

  outcomes(): IntentOutcome[] {
    return this.ctx.outcomes.slice();
  }

  /** Drops the attempts, outcomes and receipts collected so far (a long run that has handed them on); the
   *  terminals' own state is untouched. */
  clearRecords(): void {
    this.ctx.attempts.length = 0;
    this.ctx.outcomes.length = 0;
    this.ctx.receiptJournal.clear();
  }

  stats(): FleetStats {
    let pendingReversals = 0;
    let failedReversals = 0;
    let pendingReprints = 0;
    for (const t of this.terminals) {
      if (t.reversal !== null) pendingReversals++;
      failedReversals += t.failedReversals?.length ?? 0;
      if (t.reprintPending) pendingReprints++;
    }
    const s = this.ctx.stats;
    return {
      ...s,
      dialFailures: { ...s.dialFailures },
      terminals: this.terminals.length,
      inFlight: this.ctx.busyTerminals,
      queuedIntents: this.waiting.length,
      pendingReversals,
      failedReversals,
      pendingReprints,
      storeBytes: this.ctx.store.writtenBytes,
      storeCompactions: this.ctx.store.compactionCount,
      timersArmed: this.ctx.wheel.pending,
      openLines: this.ctx.line.live.size,
    };
  }

  /**
   * Hangs up every line (a request still unanswered becomes a pending reversal, as after a power cut), lets the
   * operations in progress finish, then closes the store. The store reopens with createFleet.
   */
  close(): Promise<void> {
    if (this.closed === null) this.closed = this.doClose();
    return this.closed;
  }

  private async doClose(): Promise<void> {
    const { ctx } = this;
    ctx.closing = true;
    for (const w of this.waiting.splice(0)) w.reject(new FleetInputError('the fleet is closed'));
    for (const c of [...ctx.line.live]) c.abort();
    const busy = this.terminals.filter((t) => t.queued).map((t) => t.enqueue(async () => undefined).catch(() => undefined));
    await Promise.all(busy);
    for (const t of this.terminals) t.hangUp();
    ctx.wheel.stop();
    await ctx.store.close();
    await ctx.receiptJournal.close();
    await this.ownedSink?.close();
  }
}

/** A TMK function that gives no usable key for the first terminal is a configuration error, found before any dial. */
function checkTmk(tmk: (terminalId: string) => Buffer, terminalId: string): void {
  let key: unknown;
  try {
    key = tmk(terminalId);
  } catch (err) {
    throw new FleetConfigError(`tmk(${terminalId}) threw: ${(err as Error).message}`);
  }
  if (!Buffer.isBuffer(key) || ![8, 16, 24].includes(key.length)) {
    throw new FleetConfigError(`tmk(${terminalId}) must give an 8-, 16- or 24-byte Buffer, got ${Buffer.isBuffer(key) ? `${key.length} bytes` : typeof key}`);
  }
}

export async function createFleet(config: FleetConfig): Promise<Fleet> {
  return new Fleet(config);
}
