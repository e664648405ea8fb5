// Reversal exactly as POS terminals do it (cup-pos.md §3.7): the record is written before a reversible request
// goes out and cleared when a valid response is processed; on a failure the 0400 (same STAN, the original's
// fields, 39 = reason) is tried up to maxTries times: once at once, the rest before the next financial
// transaction or settlement; when every try failed the record is kept as reversal-failed and reported.
import type { IsoMessage } from '../iso8583/types';
import { createLogger } from '../log';
import type { AttemptRecord, ReversalRecord } from '../reconcile/records';
import { reversalFields, reversalRequest } from './messages';
import type { JournalEntry, PendingReversal, ReversibleKind } from './persisted';
import { field, type Terminal } from './terminal';

const log = createLogger('terminal');

/** Writes the reversal record (reason 98 until known otherwise) before `request` is sent; durable. */
export async function armReversal(t: Terminal, request: IsoMessage, kind: ReversibleKind, attempt: AttemptRecord): Promise<void> {
  const rev: PendingReversal = {
    fields: reversalFields(request, '98'),
    kind,
    tries: 0,
    status: 'armed',
    initiatedAt: 0,
    attempt: attempt.attempt,
    sentAt: attempt.sentAt,
    cardRef: attempt.cardRef,
  };
  if (attempt.intentId !== '') rev.intentId = attempt.intentId;
  t.reversal = rev;
  await t.ctx.store.append({ k: 'rev', i: t.index, s: t.stan, r: rev });
}

/** The request was answered (or never left): nothing to reverse. */
export async function disarmReversal(t: Terminal): Promise<void> {
  if (t.reversal === null) return;
  t.reversal = null;
  t.reversalRecord = null;
  await t.ctx.store.append({ k: 'revclr', i: t.index });
}

function recordFor(t: Terminal, rev: PendingReversal, reason: string): ReversalRecord {
  const rec: ReversalRecord = {
    initiator: 'terminal',
    reason,
    initiatedAt: rev.initiatedAt,
    tries: rev.tries,
    status: 'pending',
    terminalId: t.terminalId,
    merchantId: t.merchantId,
    stan: rev.fields[11],
    amount: Number(rev.fields[4] ?? 0),
    cardRef: rev.cardRef,
  };
  if (rev.rrn !== undefined) rec.rrn = rev.rrn;
  return rec;
}

/** The journal entry of the transaction `rev` reverses: the latest of its kind and STAN (a STAN may repeat after a
 *  counter reset), and of its RRN when known. */
function journalEntryOf(t: Terminal, rev: PendingReversal): JournalEntry | undefined {
  const journal = t.journal;
  if (journal === null) return undefined;
  const stan = rev.fields[11];
  const batch = (rev.fields[60] ?? '').slice(2, 8);
  for (let n = journal.length - 1; n >= 0; n--) {
    const e = journal[n];
    if (e.kind === rev.kind && e.stan === stan && e.batch === batch && (rev.rrn === undefined || e.rrn === rev.rrn)) return e;
  }
  return undefined;
}

/** Marks the journal entry being reversed (and puts back the sale of a reversed void); returns what changed. */
function markUnjournaled(t: Terminal, rev: PendingReversal): JournalEntry[] {
  const entry = journalEntryOf(t, rev);
  if (entry === undefined || entry.status === 'reversed' || entry.status === 'reversal-failed') return [];
  entry.status = 'reversed';
  const changed = [entry];
  if (entry.kind === 'void' && entry.originalStan !== undefined) {
    const sale = t.journal?.find((e) => e.kind === 'sale' && e.stan === entry.originalStan && e.batch === entry.batch && e.status === 'voided');
    if (sale !== undefined) {
      sale.status = 'ok';
      changed.push(sale);
    }
  }
  return changed;
}

/** The journal no longer counts what is being reversed (a void reversed puts its sale back). */
async function unjournal(t: Terminal, rev: PendingReversal): Promise<void> {
  for (const e of markUnjournaled(t, rev)) await t.ctx.store.append({ k: 'txn', i: t.index, t: e });
}

/**
 * A reversal found in the store at start-up: the process may have stopped after the approval was journalled
 * (waiting for the printer) or between the reversal and its journal change. Either way the transaction is being
 * reversed, so the batch totals must not count it.
 */
export function unjournalRestored(t: Terminal): void {
  const rev = t.reversal;
  if (rev === null) return;
  for (const e of markUnjournaled(t, rev)) {
    t.ctx.store.append({ k: 'txn', i: t.index, t: e }).catch((err: Error) => {
      log.warn('could not record a restored reversal in the terminal store', { terminalId: t.terminalId, error: err.message });
    });
  }
}

/**
 * Turns the armed record into a reversal to send, with `reason` in field 39, and makes the immediate try.
 * Returns what the customer is told: reversed, or the reversal still pending.
 */
export async function initiateReversal(t: Terminal, reason: string, attempt: AttemptRecord): Promise<'failed-reversed' | 'failed-reversal-pending'> {
  const rev = t.reversal;
  if (rev === null) throw new Error(`terminal ${t.terminalId}: no reversal record armed`);
  rev.fields[39] = reason;
  rev.status = 'pending';
  rev.initiatedAt = Date.now();
  if (attempt.rrn !== undefined) rev.rrn = attempt.rrn;
  // A 96 / 06 reversal follows an authenticated approval: it names that approval's auth code (a void's 0400 keeps
  // the original sale's). After A0 the response is not trusted, so nothing from it goes into the 0400.
  if ((reason === '96' || reason === '06') && attempt.authCode !== undefined && rev.fields[38] === undefined) rev.fields[38] = attempt.authCode;
  const rec = recordFor(t, rev, reason);
  attempt.reversal = rec;
  t.reversalRecord = rec;
  t.ctx.stats.reversalsInitiated++;
  await t.ctx.store.append({ k: 'rev', i: t.index, r: rev });
  await unjournal(t, rev);
  if (t.ctx.cfg.reversalImmediate) await tryReversal(t, 1);
  return rec.status === 'acknowledged' ? 'failed-reversed' : 'failed-reversal-pending';
}

/** A reversal found in the store at start-up: report it as an attempt of this process. */
export function restoredAttempt(t: Terminal): AttemptRecord | null {
  const rev = t.reversal;
  if (rev === null) return null;
  const rec = recordFor(t, rev, rev.fields[39] ?? '98');
  t.reversalRecord = rec;
  return {
    intentId: rev.intentId ?? '',
    attempt: rev.attempt,
    kind: rev.kind,
    terminalIndex: t.index,
    terminalId: t.terminalId,
    merchantId: t.merchantId,
    stan: rev.fields[11],
    batch: (rev.fields[60] ?? '').slice(2, 8),
    amount: rec.amount,
    cardRef: rev.cardRef,
    sentAt: rev.sentAt,
    result: 'no-response',
    reversal: rec,
  };
}

/** Sends the slot's reversal, at most `limit` tries now and maxTries in all. */
export async function tryReversal(t: Terminal, limit: number): Promise<void> {
  const { ctx } = t;
  for (let n = 0; n < limit && !ctx.closing; n++) {
    const rev = t.reversal;
    if (rev === null || rev.status !== 'pending') return;
    const rec = t.reversalRecord ?? (t.reversalRecord = recordFor(t, rev, rev.fields[39] ?? '98'));
    rev.tries++;
    rec.tries = rev.tries;
    await ctx.store.append({ k: 'rev', i: t.index, r: rev });
    const signOn = await t.ensureSignedOn();
    const keys = t.keys();
    if (signOn.ok && keys !== null) {
      const r = await t.send(reversalRequest(rev.fields), keys.mak);
      if (r.kind === 'response') {
        const code = field(r.msg, 39) ?? '';
        if ((code === '00' || code === '25') && ctx.wire.responseMacValid(r.body, r.msg, keys.mak)) {
          rec.status = 'acknowledged';
          rec.ackCode = code;
          rec.acknowledgedAt = Date.now();
          ctx.stats.reversalsAcknowledged++;
          await disarmReversal(t);
          return;
        }
        if (t.ctx.wire.signOnAgainCodes.has(code)) await t.dropKeys();
      }
    }
    if (rev.tries >= ctx.cfg.reversalMaxTries) {
      rev.status = 'failed';
      rec.status = 'failed';
      (t.failedReversals ??= []).push(rev);
      t.reversal = null;
      t.reversalRecord = null;
      ctx.stats.reversalsFailed++;
      await ctx.store.append({ k: 'revclr', i: t.index, failed: true });
      const entry = journalEntryOf(t, rev);
      if (entry !== undefined && entry.status === 'reversed') {
        entry.status = 'reversal-failed';
        await ctx.store.append({ k: 'txn', i: t.index, t: entry });
      }
      log.warn('reversal failed: every try is used up; the record is kept for settlement and manual follow-up', {
        terminalId: t.terminalId, stan: rev.fields[11], reason: rev.fields[39], tries: rev.tries,
      });
      return;
    }
  }
}
