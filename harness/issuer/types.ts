// The issuer stub's public types: what the switch's and the scenario runner's authors code against.
import type { Registry } from 'prom-client';
import type { LedgerEntry } from '../reconcile/records';

/** One card the issuer knows. Amounts in minor units (fen). */
export interface AccountSpec {
  pan: string;
  /** YYMM. */
  expiry: string;
  /** The clear PIN the issuer verifies field 52 against (a test stub keeps it instead of a PVV). */
  pin?: string;
  /** Instead of `pin`: the PIN is the PAN's last four digits. */
  pinRule?: 'pan-last-4';
  balance: number;
  dailyLimit?: number;
  perTxnLimit?: number;
  status?: 'active' | 'blocked' | 'expired';
}

export interface GenerateAccountsOptions {
  /** Inclusive range of opening balances, fen. Default 100_000..10_000_000 (1 000 to 100 000 CNY). */
  balanceMin?: number;
  balanceMax?: number;
  /** Share of cards with a PIN (0..1), default 0.5. */
  pinShare?: number;
  /** Share of 19-digit PANs (0..1), default 0.25; the rest have 16. */
  longPanShare?: number;
  /** Set on every card when given. */
  dailyLimit?: number;
  perTxnLimit?: number;
  /** Shares of blocked and expired cards (0..1), default 0. */
  blockedShare?: number;
  expiredShare?: number;
}

export type AccountsSource = AccountSpec[] | ({ seed: string | number; count: number } & GenerateAccountsOptions);

/** Delay distributions, drawn from the issuer's seeded PRNG. All in milliseconds, never below 0. */
export type LatencySpec =
  | { kind: 'fixed'; ms: number }
  | { kind: 'uniform'; minMs: number; maxMs: number }
  | { kind: 'normal'; meanMs: number; stdDevMs: number }
  | { kind: 'lognormal'; medianMs: number; sigma: number };

/** refuse: listener closed and live connections dropped; answer-91 / answer-96: every request answered so;
 *  silent: requests are read and never answered. */
export type MaintenanceMode = 'refuse' | 'answer-91' | 'answer-96' | 'silent';

/** One scheduled fault; times relative to the issuer's start. Without durationMs it lasts until the end. */
export type IssuerFault =
  | { atMs: number; durationMs?: number; kind: MaintenanceMode }
  | { atMs: number; durationMs?: number; kind: 'latency'; latency: LatencySpec }
  | { atMs: number; durationMs?: number; kind: 'declines'; share: number; code?: string }
  /** The process state is dropped as in a crash (sockets destroyed, unflushed work lost, no answers) and rebuilt
   *  from the journal after durationMs (default 1000). */
  | { atMs: number; durationMs?: number; kind: 'crash' };

export type IssuerFaultSchedule = IssuerFault[];

export interface IssuerConfig {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: an ephemeral port. */
  port?: number;
  /** Default 'iso87-ascii' (pos-profile §2). */
  dialect?: string;
  /** The journal file (JSON lines, one ledger entry a line); its directory is created when missing. */
  journalPath: string;
  accounts: AccountsSource;
  /** The issuer's own duplicate check (32+41+42+11+4+date of 7, per MTI class). Default true. */
  duplicateCheck?: boolean;
  /** How a repeat is answered when the check is on: the original's response (default) or 94. */
  duplicateResponse?: 'original' | '94';
  /** Seed of the latency, decline and auth-code draws. Default 'issuer'. */
  seed?: string | number;
  faults?: IssuerFaultSchedule;
  /** Key of PIN blocks on this link (8 or 16 bytes). Default DEFAULT_ISSUER_ZPK. */
  zpk?: Buffer;
  registry?: Registry;
  /** When given, the HTTP control API listens on 127.0.0.1 on this port (0 = ephemeral). */
  controlPort?: number;
  /** PIN tries before 75, default 3. */
  pinTryLimit?: number;
}

/** The journal's line: a LedgerEntry plus what the issuer needs to rebuild its state from it. */
export interface IssuerLedgerEntry extends LedgerEntry {
  /** Field 32 of the request. */
  acquirerId?: string;
  /** From field 90 of a reversal, void or refund: the original's MTI, STAN and field 7. */
  originalMti?: string;
  originalStan?: string;
  originalTransmissionDateTime?: string;
  /** The PIN check's outcome, when field 52 was checked. */
  pin?: 'ok' | 'wrong' | 'locked';
  /** A sale declined because a reversal of it came first: the seq of that reversal (the tombstone). */
  reversedBefore?: number;
}

export interface ReadLedgerOptions {
  /** Keep waiting for new entries after the last committed one, until the issuer closes or the signal aborts. */
  follow?: boolean;
  signal?: AbortSignal;
}

export interface IssuerHandle {
  host: string;
  port: number;
  /** The control API's port when `controlPort` was configured. */
  controlPort?: number;
  /** A snapshot of every committed (fsynced) entry, in seq order. Reads the journal: meant for tests and small runs. */
  ledger(): IssuerLedgerEntry[];
  /** Committed entries with seq >= fromSeq (default 1), streamed from the journal while the issuer runs. */
  readLedger(fromSeq?: number, options?: ReadLedgerOptions): AsyncIterable<IssuerLedgerEntry>;
  balance(pan: string): number | undefined;
  maintenance(mode: MaintenanceMode | null): void;
  setLatency(dist: LatencySpec | null): void;
  setDeclineShare(share: number, code?: string): void;
  /** Drops the process state as a crash would and rebuilds it from the journal after downMs. */
  crash(downMs?: number): Promise<void>;
  /** Stops listening, answers what is in flight, flushes and closes the journal. */
  close(): Promise<void>;
}
