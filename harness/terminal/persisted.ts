// The non-volatile state of one terminal, as the fleet store keeps it (what a real POS keeps in battery-backed
// memory). Plain JSON-safe data only.

export type ReversibleKind = 'sale' | 'void';

/** A transaction of the current batch: what settlement totals, batch upload and void need. */
export interface JournalEntry {
  kind: 'sale' | 'void' | 'refund';
  stan: string;
  /** The batch (60.2, n6) the transaction was made in: its field 61.1 in a void or a batch upload. */
  batch: string;
  amount: number;
  /** The batch journal keeps the card number, as a POS must for batch upload and void; it is never printed or logged. */
  pan: string;
  expiry: string;
  rrn: string;
  authCode: string;
  /** MMDD and hhmmss of the host's answer (fields 13 and 12). */
  date: string;
  time: string;
  /** voided / reversed sales no longer count in the totals; reversal-failed: being reversed, every try used up
   *  (kept out of the totals too, so settlement shows the difference as "unbalanced"). */
  status: 'ok' | 'voided' | 'reversed' | 'reversal-failed';
  /** For a void: the sale's STAN. */
  originalStan?: string;
  intentId?: string;
  /** When the terminal completed it (ms since the epoch): the date and time on its receipt. */
  at?: number;
}

/** The pending-reversal slot: the 0400 to send, ready built from the original request. */
export interface PendingReversal {
  /** Fields of the 0400 except 64 (n and an fields as strings). 39 holds the reason. */
  fields: Record<string, string>;
  kind: ReversibleKind;
  tries: number;
  /** armed: written before the request went out, the outcome not known yet; pending: to be sent; failed: tries exhausted. */
  status: 'armed' | 'pending' | 'failed';
  initiatedAt: number;
  /** Enough of the original attempt to report it after a restart. */
  intentId?: string;
  attempt: number;
  sentAt: number;
  cardRef: string;
  rrn?: string;
}

export interface PersistedTerminal {
  /** The last STAN used (0 before the first request). */
  stan: number;
  batch: number;
  /** Field 62 of the last good sign-on as received (keys under the TMK), hex; absent when not signed on. */
  keys?: string;
  reversal?: PendingReversal;
  failedReversals?: PendingReversal[];
  journal?: JournalEntry[];
  /** The transaction of the last receipt (the receipt is rebuilt from it, so nothing is kept twice). */
  lastReceipt?: JournalEntry;
  reprintPending?: boolean;
}

/** One line of the append-only store. `s` (when present) is the last STAN used. */
export type StoreRecord =
  | { k: 'fleet'; firstId: number; count: number; layout?: string }
  | { k: 'snap'; i: number; st: PersistedTerminal }
  | { k: 'stan'; i: number; s: number }
  | { k: 'keys'; i: number; s?: number; keys: string; batch: number }
  | { k: 'keysoff'; i: number }
  | { k: 'rev'; i: number; s?: number; r: PendingReversal }
  | { k: 'revclr'; i: number; failed?: boolean }
  | { k: 'txn'; i: number; t: JournalEntry }
  | { k: 'batch'; i: number; batch: number }
  | { k: 'rcpt'; i: number; t: JournalEntry; pending: boolean }
  | { k: 'reprinted'; i: number }
  /** Settlement cleared the last receipt (and any reprint of it). */
  | { k: 'rcptclr'; i: number };

export function emptyTerminal(): PersistedTerminal {
  return { stan: 0, batch: 1 };
}

/** One transaction, in two versions of its entry (a status change keeps kind, STAN, RRN and batch). */
export function sameTransaction(a: JournalEntry, b: JournalEntry): boolean {
  return a.stan === b.stan && a.kind === b.kind && a.rrn === b.rrn && a.batch === b.batch;
}

/** Folds one record into the state it names. */
export function applyRecord(st: PersistedTerminal, rec: StoreRecord): PersistedTerminal {
  if ('s' in rec && typeof rec.s === 'number') st.stan = rec.s;
  switch (rec.k) {
    case 'snap':
      return rec.st;
    case 'keys':
      st.keys = rec.keys;
      st.batch = rec.batch;
      break;
    case 'keysoff':
      delete st.keys;
      break;
    case 'rev':
      st.reversal = rec.r;
      break;
    case 'revclr':
      if (rec.failed && st.reversal) (st.failedReversals ??= []).push({ ...st.reversal, status: 'failed' });
      delete st.reversal;
      break;
    case 'txn': {
      const journal = (st.journal ??= []);
      // The RRN tells apart two entries with one STAN (a counter reset to an earlier value, a switch that does not
      // refuse the repeat); a status change keeps the entry's RRN.
      const at = journal.findIndex((e) => sameTransaction(e, rec.t));
      if (at >= 0) journal[at] = rec.t;
      else journal.push(rec.t);
      break;
    }
    case 'batch':
      st.batch = rec.batch;
      delete st.journal;
      break;
    case 'rcpt':
      st.lastReceipt = rec.t;
      st.reprintPending = rec.pending;
      break;
    case 'reprinted':
      st.reprintPending = false;
      break;
    case 'rcptclr':
      delete st.lastReceipt;
      delete st.reprintPending;
      break;
    default:
      break;
  }
  return st;
}
