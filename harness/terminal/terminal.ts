// One virtual POS terminal: its non-volatile state, its queue (one operation at a time, as on a real POS),
// its line, sign-on and printing. The transactions live in financial.ts, reversal.ts and settlement.ts.
import type { IsoMessage } from '../iso8583/types';
import { PRINT_RESULTS, type PrinterSink, type PrintResult, type Receipt } from '../printers/types';
import type { ReversalRecord } from '../reconcile/records';
import { decodeSignOnKeys, deriveTerminalMasterKey } from '../security';
import type { FleetContext } from './context';
import { dial, type Connection, type DialFailure, type ExchangeResult } from './line';
import { pad6, signOnRequest, type Identity } from './messages';
import type { JournalEntry, PendingReversal, PersistedTerminal } from './persisted';

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
  lastReceipt: Receipt | null;
  reprintPending: boolean;
  busy = false;
  private tail: Promise<unknown> | null = null;
  private conn: Connection | null = null;

  constructor(
    readonly ctx: FleetContext,
    readonly index: number,
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
    this.lastReceipt = st?.lastReceipt ?? null;
    this.reprintPending = st?.reprintPending ?? false;
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
    return deriveTerminalMasterKey(this.ctx.cfg.seed, this.terminalId);
  }

  /** The MAK and PIK when signed on. */
  keys(): { pik: Buffer; mak: Buffer } | null {
    if (this.mak !== null && this.pik !== null) return { pik: this.pik, mak: this.mak };
    if (this.storedKeys !== null) {
      try {
        const k = decodeSignOnKeys(this.tmk(), Buffer.from(this.storedKeys, 'hex'), '003');
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
    if (cfg.dialup) {
      const c = await this.dial();
      if (typeof c === 'string') return { kind: 'dial-failed', reason: c };
      if (this.ctx.closing) {
        c.hangUp();
        return { kind: 'no-response', sent: false };
      }
      const r = await c.exchange(body, expect, cfg.responseMs);
      c.hangUp();
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
    return { kind: 'no-response', sent: false };
  }

  private async dial(): Promise<Connection | DialFailure> {
    const { cfg } = this.ctx;
    let last: DialFailure = 'no-dial-tone';
    for (let t = 1; t <= cfg.redialMaxTries; t++) {
      if (t > 1) await this.ctx.wheel.sleep(cfg.redialDelayMs);
      if (this.ctx.closing) break;
      const r = await dial(this.ctx.line, this.index, cfg.dialup);
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
    const r = await this.send(signOnRequest(this, stan, this.batchText), null);
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
      keys = decodeSignOnKeys(this.tmk(), f62, '003');
    } catch (err) {
      return fail((err as Error).message, code);
    }
    const batch = /^\d\d(\d{6})/.exec(field(r.msg, 60) ?? '');
    if (batch !== null) this.batch = Number(batch[1]);
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

  sink(): PrinterSink {
    return this.ctx.sinkFor(this.index);
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

  /** Keeps `receipt` as the last receipt; `pending` marks it for a reprint once the printer is ready. */
  async keepReceipt(receipt: Receipt, pending: boolean): Promise<void> {
    this.lastReceipt = receipt;
    this.reprintPending = pending;
    await this.ctx.store.append({ k: 'rcpt', i: this.index, r: receipt, pending });
  }

  /** The reprint of a receipt that did not print, once the printer says it is ready. */
  async reprintIfPending(): Promise<PrintResult | null> {
    if (!this.reprintPending || this.lastReceipt === null) return null;
    let ready: boolean;
    try {
      const status = this.sink().status?.();
      ready = status === undefined || status === null || Boolean(status.ready);
    } catch {
      ready = false; // a printer that cannot say how it is: try again later
    }
    if (!ready) return null;
    return this.reprintLast();
  }

  async reprintLast(): Promise<PrintResult> {
    if (this.lastReceipt === null) throw new Error(`terminal ${this.terminalId}: no receipt to reprint`);
    const result = await this.print({ ...this.lastReceipt, reprint: true });
    this.ctx.stats.reprints++;
    if (result === 'printed' && this.reprintPending) {
      this.reprintPending = false;
      await this.ctx.store.append({ k: 'reprinted', i: this.index });
    }
    return result;
  }
}
