// One virtual POS terminal: its non-volatile state, its queue (one operation at a time, as on a real POS),
// its line, sign-on and printing. The transactions live in financial.ts, reversal.ts and settlement.ts.
import type { IsoMessage } from '../iso8583/types';
import { createLogger } from '../log';
import { PRINT_RESULTS, type PrinterSink, type PrinterStatus, type PrintResult, type Receipt } from '../printers/types';
import type { ReversalRecord } from '../reconcile/records';
import { decodeSignOnKeys, deriveTerminalMasterKey } from '../security';
import type { FleetContext } from './context';
import type { ResolvedGroup } from './groups';
import { dial, type Connection, type DialFailure, type ExchangeResult } from './line';
import { pad6, signOnRequest, type Identity } from './messages';
import { sameTransaction, type JournalEntry, type PendingReversal, type PersistedTerminal } from './persisted';
import { receiptOf } from './receipt';

const log = createLogger('terminal');

export interface SignOnResult {
  ok: boolean;
  responseCode?: string;
  /** Why it failed: dial failure, no-response, declined, or the key error (e.g. "PIK check value mismatch"). */
  reason?: string;
}

export function responseMti(mti: string): string {
  return mti.slice(0, 2) + String(Number(mti[2]) + 1) + mti[3];
}

export function field(msg: IsoMessage, n: number): string | undefined {
  const v = msg.fields[n];
  return typeof v === 'string' ? v : undefined;
}

export class Terminal implements Identity {
  stan: number;
  batch: number;
  pik: Buffer | null = null;
  mak: Buffer | null = null;
  /** The working keys as field 62 of the last good sign-on (under the TMK, hex): what the store keeps.
   *  pik / mak are decoded from it on first use after a restart. */
  storedKeys: string | null;
  reversal: PendingReversal | null;
  /** The live ReversalRecord of the slot's reversal, shared with its AttemptRecord. */
  reversalRecord: ReversalRecord | null = null;
  failedReversals: PendingReversal[] | null;
  journal: JournalEntry[] | null;
  /** The transaction of the last receipt: an entry of the journal (shared, not copied), or the last one of a batch
   *  already closed when reprintAfterSettlement is set. */
  lastReceipt: JournalEntry | null;
  reprintPending: boolean;
  busy = false;
  private tail: Promise<unknown> | null = null;
  private conn: Connection | null = null;

  constructor(
    readonly ctx: FleetContext,
    readonly index: number,
    /** The group the terminal belongs to (mode, merchant name, printer): one object shared by the whole group. */
    readonly group: ResolvedGroup,
    readonly terminalId: string,
    readonly merchantId: string,
    st: PersistedTerminal | undefined,
  ) {
    this.stan = st?.stan ?? 0;
    this.batch = st?.batch ?? 1;
    this.storedKeys = st?.keys ?? null;
    this.reversal = st?.reversal ?? null;
    if (this.reversal !== null && this.reversal.status === 'armed') {
      // The process stopped with the request in flight: its outcome was never known.
      this.reversal.status = 'pending';
      this.reversal.initiatedAt = Date.now();
    }
    this.failedReversals = st?.failedReversals ?? null;
    this.journal = st?.journal ?? null;
    if (this.journal !== null) {
      // A store written before entries recorded their batch: they are of the batch the terminal was in.
      for (const e of this.journal) e.batch ??= this.batchText;
    }
    const last = st?.lastReceipt;
    // The last receipt is the journal's own entry again after a restart (a receipt of the old shape is dropped).
    this.lastReceipt = last === undefined || typeof last.pan !== 'string' ? null : (this.journal?.find((e) => sameTransaction(e, last)) ?? last);
    this.reprintPending = this.lastReceipt !== null && (st?.reprintPending ?? false);
  }

  /** The non-volatile state as the store's snapshot keeps it; null when it is still the factory state. */
  toPersisted(): PersistedTerminal | null {
    if (this.stan === 0 && this.storedKeys === null && this.reversal === null && this.journal === null && this.lastReceipt === null && this.failedReversals === null && this.batch === 1) return null;
    const st: PersistedTerminal = { stan: this.stan, batch: this.batch };
    if (this.storedKeys !== null) st.keys = this.storedKeys;
    if (this.reversal !== null) st.reversal = this.reversal;
    if (this.failedReversals !== null) st.failedReversals = this.failedReversals;
    if (this.journal !== null) st.journal = this.journal;
    if (this.lastReceipt !== null) {
      st.lastReceipt = this.lastReceipt;
      st.reprintPending = this.reprintPending;
    }
    return st;
  }

  get batchText(): string {
    return pad6(this.batch);
  }

  /** Runs `op` after every operation queued before it. */
  enqueue<T>(op: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    const run = async (): Promise<T> => {
      if (prev !== null) await prev.catch(() => undefined);
      if (this.ctx.closing) throw new Error('the fleet is closed');
      if (!this.busy) this.ctx.busyTerminals++;
      this.busy = true;
      return op();
    };
    const p = run();
    const settled = p.then(
      () => undefined,
      () => undefined,
    );
    this.tail = settled;
    void settled.then(() => {
      if (this.tail === settled) {
        this.tail = null;
        if (this.busy) this.ctx.busyTerminals--;
        this.busy = false;
        this.ctx.onIdle(this);
      }
    });
    return p;
  }

  get queued(): boolean {
    return this.tail !== null;
  }

  /** The STAN for a new request: 000001-999999, wrapping. */
  advanceStan(): string {
    this.stan = this.stan >= 999_999 ? 1 : this.stan + 1;
    return pad6(this.stan);
  }

  tmk(): Buffer {
    const { cfg } = this.ctx;
    return cfg.tmk !== null ? cfg.tmk(this.terminalId) : deriveTerminalMasterKey(cfg.seed, this.terminalId);
  }

  /** The MAK and PIK when signed on. */
  keys(): { pik: Buffer; mak: Buffer } | null {
    if (this.mak !== null && this.pik !== null) return { pik: this.pik, mak: this.mak };
    if (this.storedKeys !== null) {
      try {
        const k = decodeSignOnKeys(this.tmk(), Buffer.from(this.storedKeys, 'hex'), this.ctx.cfg.signOnLayout);
        this.pik = k.pik;
        this.mak = k.mak;
        return { pik: k.pik, mak: k.mak };
      } catch {
        this.storedKeys = null;
        void this.ctx.store.append({ k: 'keysoff', i: this.index }).catch(() => undefined);
      }
    }
    return null;
  }

  async dropKeys(): Promise<void> {
    this.pik = null;
    this.mak = null;
    this.storedKeys = null;
    await this.ctx.store.append({ k: 'keysoff', i: this.index });
  }

  /** Packs (MAC'd when the MTI carries one) and exchanges one request. */
  async send(msg: IsoMessage, mak: Buffer | null): Promise<ExchangeResult> {
    const body = this.ctx.wire.pack(msg, mak);
    return this.sendBody(msg, body);
  }

  async sendBody(msg: IsoMessage, body: Buffer): Promise<ExchangeResult> {
    const expect = { mti: responseMti(msg.mti), terminalId: this.terminalId, stan: String(msg.fields[11]) };
    const { cfg } = this.ctx;
    if (this.ctx.closing) return { kind: 'no-response', sent: false };
    if (this.group.dialup) {
      const c = await this.dial();
      if (typeof c === 'string') return { kind: 'dial-failed', reason: c };
      if (this.ctx.closing) {
        c.hangUp();
        return { kind: 'no-response', sent: false };
      }
      const r = await c.exchange(body, expect, cfg.responseMs);
      c.hangUp();
      // The far end dropped the call before the request could be written: a failure to dial, not a send.
      if (r.kind === 'no-response' && !r.sent) return this.lineDropped();
      return r;
    }
    for (let fresh = 0; fresh < 2; fresh++) {
      if (this.conn === null || this.conn.closed) {
        const c = await this.dial();
        if (typeof c === 'string') return { kind: 'dial-failed', reason: c };
        this.conn = c;
        if (this.ctx.closing) return { kind: 'no-response', sent: false };
      }
      const r = await this.conn.exchange(body, expect, cfg.responseMs);
      // A long connection the switch dropped while idle is only noticed now: connect again once.
      if (r.kind === 'no-response' && !r.sent) {
        this.conn = null;
        continue;
      }
      return r;
    }
    return this.ctx.closing ? { kind: 'no-response', sent: false } : this.lineDropped();
  }

  private lineDropped(): ExchangeResult {
    this.ctx.stats.dialFailures['line-busy']++;
    return { kind: 'dial-failed', reason: 'line-busy' };
  }

  private async dial(): Promise<Connection | DialFailure> {
    const { cfg } = this.ctx;
    let last: DialFailure = 'no-dial-tone';
    for (let t = 1; t <= cfg.redialMaxTries; t++) {
      if (t > 1) await this.ctx.wheel.sleep(cfg.redialDelayMs);
      if (this.ctx.closing) break;
      const r = await dial(this.ctx.line, this.index, this.group.dialup);
      if (typeof r !== 'string') return r;
      last = r;
    }
    return last;
  }

  hangUp(): void {
    this.conn?.hangUp();
    this.conn = null;
  }

  /** 0800 → 0810: installs PIK and MAK only when both check values match; adopts the switch's batch. */
  async signOn(): Promise<SignOnResult> {
    const { stats, store } = this.ctx;
    stats.signOns++;
    const stan = this.advanceStan();
    await store.append({ k: 'stan', i: this.index, s: this.stan });
    const layout = this.ctx.cfg.signOnLayout;
    const r = await this.send(signOnRequest(this, stan, this.batchText, layout), null);
    const fail = async (reason: string, responseCode?: string): Promise<SignOnResult> => {
      stats.signOnFailures++;
      if (this.mak !== null || this.storedKeys !== null) await this.dropKeys();
      return responseCode === undefined ? { ok: false, reason } : { ok: false, reason, responseCode };
    };
    if (r.kind === 'dial-failed') return fail(r.reason);
    if (r.kind === 'no-response') return fail('no-response');
    const code = field(r.msg, 39) ?? '';
    if (code !== '00') return fail('declined', code);
    const f62 = r.msg.fields[62];
    if (!Buffer.isBuffer(f62)) return fail('the 0810 carries no working keys', code);
    let keys;
    try {
      keys = decodeSignOnKeys(this.tmk(), f62, layout);
    } catch (err) {
      return fail((err as Error).message, code);
    }
    const batch = /^\d\d(\d{6})/.exec(field(r.msg, 60) ?? '');
    if (batch !== null && Number(batch[1]) !== this.batch) this.adoptBatch(Number(batch[1]));
    this.pik = keys.pik;
    this.mak = keys.mak;
    this.storedKeys = f62.toString('hex');
    await store.append({ k: 'keys', i: this.index, keys: this.storedKeys, batch: this.batch });
    return { ok: true, responseCode: code };
  }

  async ensureSignedOn(): Promise<SignOnResult> {
    if (this.keys() !== null) return { ok: true };
    return this.signOn();
  }

  /**
   * The switch's batch differs from ours (77, or a switch that closed our batch without us): a batch runs from
   * sign-on to settlement (cup-pos.md §3.8), so the host's number starts a new one. The entries of the old batch stay
   * in memory, tagged with their batch, until the next settlement clears it: they are no longer voidable (a refund
   * is the way back), counted or uploaded, since the host's record of the new batch does not hold them.
   */
  private adoptBatch(batch: number): void {
    const old = this.journal?.filter((e) => e.batch === this.batchText).length ?? 0;
    if (old > 0) {
      log.warn('sign-on moved the terminal to the switch batch: the open batch is closed without settlement', {
        terminalId: this.terminalId, from: this.batchText, to: pad6(batch), entries: old,
      });
    }
    this.batch = batch;
  }

  sink(): PrinterSink {
    const own = this.group.sink;
    return own !== null ? own(this.index) : this.ctx.sinkFor(this.index);
  }

  /** Prints through the terminal's sink; a sink that throws or takes longer than printMs reports 'unknown'. */
  async print(receipt: Receipt): Promise<PrintResult> {
    const { wheel, cfg } = this.ctx;
    let result = await new Promise<PrintResult>((resolve) => {
      const timer = wheel.after(cfg.printMs, () => resolve('unknown'));
      // Through a promise, so that a sink that throws at once or answers with a plain value cannot leave the
      // print timeout armed.
      Promise.resolve()
        .then(() => this.sink().print(receipt))
        .then(
          (r) => {
            wheel.cancel(timer);
            resolve(r);
          },
          () => {
            wheel.cancel(timer);
            resolve('unknown');
          },
        );
    });
    if (!PRINT_RESULTS.includes(result)) result = 'unknown';
    this.ctx.receiptJournal.record(receipt, result);
    return result;
  }

  /** Keeps the transaction of `entry` as the last receipt; `pending` marks it for a reprint once the printer is ready. */
  async keepReceipt(entry: JournalEntry, pending: boolean): Promise<void> {
    this.lastReceipt = entry;
    this.reprintPending = pending;
    await this.ctx.store.append({ k: 'rcpt', i: this.index, t: entry, pending });
  }

  /** Settlement: no reprint of the old batch's last receipt (unless the fleet keeps it). */
  async forgetReceipt(): Promise<void> {
    if (this.lastReceipt === null || this.ctx.cfg.reprintAfterSettlement) return;
    this.lastReceipt = null;
    this.reprintPending = false;
    await this.ctx.store.append({ k: 'rcptclr', i: this.index });
  }

  /** What the printer says of itself; a sink without status() counts as ready, one whose status() throws as not. */
  printerStatus(): PrinterStatus {
    try {
      const status = this.sink().status?.();
      if (status === undefined || status === null) return { ready: true };
      return { ...status, ready: Boolean(status.ready) };
    } catch {
      return { ready: false }; // a printer that cannot say how it is: try again later
    }
  }

  /** The reprint of a receipt that did not print, once the printer says it is ready. */
  async reprintIfPending(): Promise<PrintResult | null> {
    if (!this.reprintPending || this.lastReceipt === null) return null;
    if (!this.printerStatus().ready) return null;
    return this.reprintLast();
  }

  /** Why the owed receipt cannot come out now, as the terminal shows it. */
  receiptOwedReason(): string {
    const s = this.printerStatus();
    const why = s.paper === 'out' ? 'printer out of paper' : s.cover === 'open' ? 'printer cover open' : s.online === false ? 'printer offline' : 'the printer did not print';
    return `${why}: the last receipt (voucher ${this.lastReceipt?.stan ?? '?'}) is still owed`;
  }

  async reprintLast(): Promise<PrintResult> {
    if (this.lastReceipt === null) throw new Error(`terminal ${this.terminalId}: no receipt to reprint`);
    const result = await this.print(receiptOf(this, this.lastReceipt, true));
    this.ctx.stats.reprints++;
    if (result === 'printed' && this.reprintPending) {
      this.reprintPending = false;
      await this.ctx.store.append({ k: 'reprinted', i: this.index });
    }
    return result;
  }
}
