// The headline figures of DESIGN.md, computed from the records alone after the settle window: the issuer ledger
// joined with the fleet's attempts (and their reversals), the switch's store-and-forward reversals and the
// printed receipts. No figure is taken from a component's count of itself.
import type { AttemptRecord, IntentOutcome, LedgerEntry, ReceiptRecord, ReversalRecord } from './records';
import { isNetDebit, ledgerState, type LedgerState } from './ledger-state';
import { joinLedger, keyOf, type Join } from './join';
import { debitsForReceipt, indexReceipts, receiptKey } from './receipts';

export interface ReconcileInput {
  ledger: readonly LedgerEntry[];
  attempts: readonly AttemptRecord[];
  /** Reversals the switch initiated toward the issuer (store-and-forward), initiator 'switch'. */
  switchReversals: readonly ReversalRecord[];
  receipts: readonly ReceiptRecord[];
  outcomes?: readonly IntentOutcome[];
}

/** One transaction behind a failing figure, with the keys an engineer (or the message trail) needs. */
export interface Finding {
  intentId?: string;
  terminalId: string;
  merchantId: string;
  stan: string;
  rrn?: string;
  amount: number;
  cardRef: string;
  panMasked?: string;
  ledgerSeqs: number[];
  /** Every STAN the transaction used (a second swipe, a retransmission), where more than one. */
  stans?: string[];
  detail: string;
}

export interface ReversalTally {
  initiated: number;
  completed: number;
}

export interface Reconciliation {
  reversals: ReversalTally & {
    /** completed / initiated; null when nothing was initiated. */
    successRate: number | null;
    byInitiator: Record<'terminal' | 'switch', ReversalTally>;
    byReason: Record<string, ReversalTally>;
    /** Reversals not completed: not acknowledged, or acknowledged while the original still stands as a debit. */
    notCompleted: (Finding & { initiator: 'terminal' | 'switch'; reason: string; status: string; ackCode?: string })[];
  };
  unprintedButDebited: { count: number; items: Finding[] };
  duplicateCharges: {
    /** Intents that reached the switch or issuer more than once. */
    reachedMoreThanOnce: number;
    /** Of those, intents with at most one net debit. */
    prevented: number;
    /** Intents with two or more net debits (a duplicate charge), whatever the cause. */
    leaked: number;
    items: Finding[];
  };
  printedButNotDebited: { count: number; items: Finding[] };
  /** Requests the issuer acted on that differ from what any terminal sent (a garbled line the switch let through):
   *  entries joined only with a differing STAN, amount or card, and request entries no attempt explains. */
  alteredRequests: { count: number; items: Finding[] };
  /** Standing ledger debits that no attempt of the fleet explains (another client of the switch, or a switch bug). */
  unmatchedDebits: { count: number; items: Finding[] };
  ledger: { entries: number; netDebits: number; netDebitAmount: number; byType: Record<string, number> };
  attempts: { total: number; byResult: Record<string, number>; byResponseCode: Record<string, number> };
  intents: { total: number; byOutcome: Record<string, number> };
}

function finding(src: { terminalId: string; merchantId: string; stan: string; amount: number; cardRef: string; rrn?: string }, extra: Partial<Finding> & { detail: string }): Finding {
  return {
    terminalId: src.terminalId,
    merchantId: src.merchantId,
    stan: src.stan,
    amount: src.amount,
    cardRef: src.cardRef,
    rrn: src.rrn || undefined,
    ledgerSeqs: [],
    ...extra,
  };
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

export function reconcile(input: ReconcileInput): Reconciliation {
  const state = ledgerState(input.ledger);
  const join = joinLedger(input.ledger, input.attempts);
  const receipts = indexReceipts(input.receipts, input.attempts);

  const debitsByKey = new Map<string, LedgerEntry[]>();
  const debitsByRrn = new Map<string, LedgerEntry[]>();
  const debitsByRequest = new Map<string, LedgerEntry[]>();
  const byType: Record<string, number> = {};
  let netDebits = 0;
  let netDebitAmount = 0;
  for (const e of input.ledger) {
    bump(byType, e.type);
    if (e.type !== 'debit') continue;
    if (isNetDebit(state, e)) {
      netDebits++;
      netDebitAmount += e.amount;
    }
    push(debitsByKey, receiptKey(e), e);
    if (e.rrn) push(debitsByRrn, e.rrn, e);
    push(debitsByRequest, keyOf(e.terminalId, e.merchantId, e.stan, e.cardRef), e);
  }

  const reversals = tallyReversals(input, state, join, debitsByRrn, debitsByRequest);
  const namedBySwitch = switchNamedAttempts(input.switchReversals, input.attempts);

  // Unprinted-but-debited: an attempt whose original stands as a debit while no receipt for it printed.
  const unprinted: Finding[] = [];
  for (const a of input.attempts) {
    if (a.kind !== 'sale') continue;
    const standing = (join.entriesOf.get(a) ?? []).filter((e) => isNetDebit(state, e));
    if (standing.length === 0 || receipts.printedFor(a).length > 0) continue;
    unprinted.push(
      finding(a, {
        intentId: a.intentId,
        rrn: a.rrn ?? standing[0].rrn,
        panMasked: standing[0].panMasked,
        ledgerSeqs: standing.map((e) => e.seq),
        detail: `debited (ledger ${standing.map((e) => e.seq).join(', ')})${garbledNote(standing, join.garbled)}, terminal result ${a.result}${a.responseCode ? ` ${a.responseCode}` : ''}${a.reversal ? `, reversal ${a.reversal.status}` : ''}, no printed receipt`,
      }),
    );
  }

  // Duplicate charges, per intent: how many times it reached the switch/issuer, how many net debits it ended with.
  const byIntent = new Map<string, AttemptRecord[]>();
  for (const a of input.attempts) if (a.kind === 'sale') push(byIntent, a.intentId, a);
  let reachedMoreThanOnce = 0;
  let prevented = 0;
  let leaked = 0;
  const dupItems: Finding[] = [];
  for (const [intentId, list] of byIntent) {
    const entries = list.flatMap((a) => join.entriesOf.get(a) ?? []);
    // Reach from evidence the switch or the issuer left, not the terminal's belief that it sent something: each
    // request the issuer booked (debit or decline), plus each attempt the issuer has nothing for but that the switch
    // answered (a response naming its MTI, 41 and 11: 94, A0, 91 …) or named in its own reversal. A lower bound: a
    // repeat the switch answered 94 whose answer the line then lost leaves no evidence and is not counted.
    const booked = entries.filter((e) => e.type === 'debit' || e.type === 'decline').length;
    const onlySwitch = list.filter(
      (a) => (a.responseCode !== undefined || namedBySwitch.has(a)) && !(join.entriesOf.get(a) ?? []).some((e) => e.type === 'debit' || e.type === 'decline'),
    ).length;
    const reached = booked + onlySwitch;
    const standing = entries.filter((e) => isNetDebit(state, e));
    if (reached > 1) reachedMoreThanOnce++;
    if (standing.length >= 2) {
      leaked++;
      const first = list[list.length - 1];
      dupItems.push(
        finding(first, {
          intentId,
          rrn: standing.map((e) => e.rrn).join(','),
          panMasked: standing[0].panMasked,
          ledgerSeqs: standing.map((e) => e.seq),
          stans: [...new Set(list.map((a) => a.stan))],
          detail: `${standing.length} net debits from ${list.length} attempt(s) (STAN ${[...new Set(list.map((a) => a.stan))].join(', ')})`,
        }),
      );
    } else if (reached > 1) {
      prevented++;
    }
  }

  // Printed-but-not-debited: a printed sale receipt whose debit does not stand (and was not voided by the merchant).
  const notDebited: Finding[] = [];
  for (const r of receipts.printedSales) {
    const debits = debitsForReceipt(r, debitsByKey);
    if (debits.some((e) => isNetDebit(state, e))) continue;
    if (debits.some((e) => state.cancelledBy(e)?.type === 'void')) continue;
    notDebited.push(
      finding(r, {
        intentId: r.intentId,
        panMasked: r.panMasked,
        ledgerSeqs: debits.map((e) => e.seq),
        detail: debits.length === 0 ? 'receipt printed, no debit on the issuer ledger' : `receipt printed, debit ${debits.map((e) => e.seq).join(', ')} reversed`,
      }),
    );
  }

  const unmatchedDebits = join.unmatched
    .filter((e) => isNetDebit(state, e))
    .map((e) => finding(e, { panMasked: e.panMasked, ledgerSeqs: [e.seq], detail: `debit ${e.seq} matches no attempt of the fleet` }));

  const altered: Finding[] = [];
  for (const e of input.ledger) {
    const differs = join.garbled.get(e.seq);
    const attempt = join.attemptOf.get(e.seq);
    if (differs !== undefined && attempt) {
      altered.push(finding(e, { intentId: attempt.intentId, panMasked: e.panMasked, ledgerSeqs: [e.seq], detail: `${e.type} ${e.responseCode}: the issuer got another ${differs} than terminal ${attempt.terminalId} sent (STAN ${attempt.stan}, amount ${attempt.amount})` }));
    }
  }
  for (const e of join.unmatched) {
    altered.push(finding(e, { panMasked: e.panMasked, ledgerSeqs: [e.seq], detail: `${e.type} ${e.responseCode}: no attempt of the fleet sent this request` }));
  }

  const byResult: Record<string, number> = {};
  const byResponseCode: Record<string, number> = {};
  for (const a of input.attempts) {
    bump(byResult, a.result);
    bump(byResponseCode, a.responseCode ?? 'none');
  }
  const byOutcome: Record<string, number> = {};
  for (const o of input.outcomes ?? []) bump(byOutcome, o.outcome);

  return {
    reversals,
    unprintedButDebited: { count: unprinted.length, items: unprinted },
    duplicateCharges: { reachedMoreThanOnce, prevented, leaked, items: dupItems },
    printedButNotDebited: { count: notDebited.length, items: notDebited },
    alteredRequests: { count: altered.length, items: altered },
    unmatchedDebits: { count: unmatchedDebits.length, items: unmatchedDebits },
    ledger: { entries: input.ledger.length, netDebits, netDebitAmount, byType },
    attempts: { total: input.attempts.length, byResult, byResponseCode },
    intents: { total: input.outcomes?.length ?? byIntent.size, byOutcome },
  };
}

function garbledNote(entries: LedgerEntry[], garbled: Map<number, string>): string {
  const notes = entries.flatMap((e) => (garbled.has(e.seq) ? [`ledger ${e.seq} has another ${garbled.get(e.seq)} than the terminal sent (garbled on the line)`] : []));
  return notes.length > 0 ? ` [${notes.join('; ')}]` : '';
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function tallyReversals(
  input: ReconcileInput,
  state: LedgerState,
  { entriesOf, attemptOf }: Join,
  debitsByRrn: Map<string, LedgerEntry[]>,
  debitsByRequest: Map<string, LedgerEntry[]>,
): Reconciliation['reversals'] {
  const byInitiator: Record<'terminal' | 'switch', ReversalTally> = {
    terminal: { initiated: 0, completed: 0 },
    switch: { initiated: 0, completed: 0 },
  };
  const byReason: Record<string, ReversalTally> = {};
  const notCompleted: Reconciliation['reversals']['notCompleted'] = [];
  const count = (rev: ReversalRecord, originals: LedgerEntry[], intentId?: string) => {
    const standing = originals.filter((e) => state.stands(e) && (e.type === 'debit' || e.type === 'void'));
    const acked = rev.status === 'acknowledged';
    const done = acked && standing.length === 0;
    const tally = byInitiator[rev.initiator];
    const reason = (byReason[rev.reason] ??= { initiated: 0, completed: 0 });
    tally.initiated++;
    reason.initiated++;
    if (done) {
      tally.completed++;
      reason.completed++;
      return;
    }
    notCompleted.push({
      ...finding(rev, {
        intentId,
        panMasked: originals[0]?.panMasked,
        ledgerSeqs: standing.map((e) => e.seq),
        detail: !acked
          ? `${rev.initiator} reversal ${rev.status} after ${rev.tries} tries${standing.length > 0 ? `; ledger ${standing.map((e) => e.seq).join(', ')} still debited` : ''}`
          : `acknowledged (${rev.ackCode ?? '?'}) but ledger ${standing.map((e) => e.seq).join(', ')} still stands`,
      }),
      initiator: rev.initiator,
      reason: rev.reason,
      status: rev.status,
      ackCode: rev.ackCode,
    });
  };
  for (const a of input.attempts) {
    if (!a.reversal) continue;
    const joined = (entriesOf.get(a) ?? []).filter((e) => e.type === 'debit' || e.type === 'void');
    // A debit of the same request posted between the attempt and the reversal's acknowledgement is the one the
    // reversal had to cancel, even if the join gave it to another attempt with the same keys (a clone, a reset STAN)
    // — unless that other attempt holds it by its RRN: then its terminal was answered for it, and it is that one's.
    const end = a.reversal.acknowledgedAt ?? Number.POSITIVE_INFINITY;
    const sameKeys = (debitsByRequest.get(keyOf(a.terminalId, a.merchantId, a.stan, a.cardRef)) ?? []).filter((e) => {
      if (a.kind !== 'sale' || e.amount !== a.amount || e.at < a.sentAt || e.at > end || joined.includes(e)) return false;
      const holder = attemptOf.get(e.seq);
      return !(holder !== undefined && holder !== a && e.rrn !== '' && holder.rrn === e.rrn);
    });
    count(a.reversal, [...joined, ...sameKeys], a.intentId);
  }
  for (const rev of input.switchReversals) {
    count(rev, switchOriginals(rev, debitsByRrn, debitsByRequest));
  }
  const initiated = byInitiator.terminal.initiated + byInitiator.switch.initiated;
  const completed = byInitiator.terminal.completed + byInitiator.switch.completed;
  return { initiated, completed, successRate: initiated === 0 ? null : completed / initiated, byInitiator, byReason, notCompleted };
}

/** The debit a switch reversal names: by the RRN the switch assigned, else by 41 + 42 + 11 + 4 + card (+ field 7). */
function switchOriginals(rev: ReversalRecord, debitsByRrn: Map<string, LedgerEntry[]>, debitsByRequest: Map<string, LedgerEntry[]>): LedgerEntry[] {
  const k = keyOf(rev.terminalId, rev.merchantId, rev.stan, rev.cardRef);
  const sameKeys = (debitsByRequest.get(k) ?? []).filter((e) => e.amount === rev.amount);
  if (rev.rrn) {
    const hit = (debitsByRrn.get(rev.rrn) ?? []).filter((e) => sameKeys.includes(e));
    if (hit.length > 0) return hit;
  }
  if (rev.transmissionDateTime) {
    const hit = sameKeys.filter((e) => e.transmissionDateTime === rev.transmissionDateTime);
    if (hit.length > 0) return hit;
  }
  // Neither the RRN nor field 7 found it. The switch put its RRN on what it sent, so a debit under another RRN is
  // another request (a clone's, a reset STAN's): only debits the issuer booked without an RRN remain candidates,
  // the latest before the reversal began, else the first posted after it (a late posting of what it gave up on).
  const candidates = rev.rrn ? sameKeys.filter((e) => !e.rrn) : sameKeys;
  const before = candidates.filter((e) => e.at <= rev.initiatedAt);
  if (before.length > 0) return [before.reduce((a, b) => (b.at >= a.at ? b : a))];
  const after = candidates.filter((e) => e.at > rev.initiatedAt);
  return after.length > 0 ? [after.reduce((a, b) => (b.at < a.at ? b : a))] : [];
}

/** Attempts a switch reversal names (same keys and amount, sent before the reversal began): they reached the switch. */
function switchNamedAttempts(revs: readonly ReversalRecord[], attempts: readonly AttemptRecord[]): Set<AttemptRecord> {
  const byKey = new Map<string, AttemptRecord[]>();
  for (const a of attempts) push(byKey, keyOf(a.terminalId, a.merchantId, a.stan, a.cardRef), a);
  const named = new Set<AttemptRecord>();
  for (const rev of revs) {
    let chosen: AttemptRecord | undefined;
    for (const a of byKey.get(keyOf(rev.terminalId, rev.merchantId, rev.stan, rev.cardRef)) ?? []) {
      if (a.amount !== rev.amount || a.sentAt > rev.initiatedAt) continue;
      if (rev.rrn && a.rrn === rev.rrn) {
        chosen = a;
        break;
      }
      if (!chosen || a.sentAt > chosen.sentAt) chosen = a;
    }
    if (chosen) named.add(chosen);
  }
  return named;
}
