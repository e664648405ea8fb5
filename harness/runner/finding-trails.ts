// The message trails of report.json: for each transaction behind unprinted-but-debited or a duplicate charge, the
// messages of its attempts (each narrowed to its terminal, key and time window) and the ledger entries for it.
import type { Trail } from '../metrics';
import type { AttemptRecord, LedgerEntry, Reconciliation } from '../reconcile';
import type { TrailQuery, TrailRecorder } from './trails';

const MAX_FINDING_TRAILS = 50;

/** From the attempt's sending to the end of its last exchange, and never into a later attempt with the same key. */
export function attemptWindow(a: AttemptRecord, all: readonly AttemptRecord[]): TrailQuery {
  let to = a.reversal ? (a.reversal.acknowledgedAt ?? Infinity) : (a.finishedAt ?? Infinity);
  if (a.finishedAt !== undefined) to = Math.max(to, a.finishedAt);
  for (const b of all) {
    if (b !== a && b.terminalIndex === a.terminalIndex && b.terminalId === a.terminalId && b.stan === a.stan && b.sentAt > a.sentAt) {
      to = Math.min(to, b.sentAt - 1);
    }
  }
  return { terminalIndex: a.terminalIndex, terminalId: a.terminalId, stan: a.stan, from: a.sentAt, to };
}

export function buildTrails(rec: Reconciliation, recorder: TrailRecorder, ledger: readonly LedgerEntry[], attempts: readonly AttemptRecord[]): Record<string, Trail> {
  const byIntent = new Map<string, AttemptRecord[]>();
  for (const a of attempts) {
    const list = byIntent.get(a.intentId);
    if (list) list.push(a);
    else byIntent.set(a.intentId, [a]);
  }
  const wanted: { key: string; queries: TrailQuery[]; seqs: number[] }[] = [];
  const want = (key: string, intentId: string | undefined, terminalId: string, stans: string[], seqs: number[]) => {
    const mine = (byIntent.get(intentId ?? '') ?? []).filter((a) => a.terminalId === terminalId && stans.includes(a.stan));
    wanted.push({ key, queries: mine.map((a) => attemptWindow(a, attempts)), seqs });
  };
  for (const f of rec.unprintedButDebited.items.slice(0, MAX_FINDING_TRAILS)) {
    want(`unprinted-but-debited ${f.intentId ?? '?'} ${f.terminalId}/${f.stan}`, f.intentId, f.terminalId, [f.stan], f.ledgerSeqs);
  }
  for (const f of rec.duplicateCharges.items.slice(0, MAX_FINDING_TRAILS)) {
    const stans = f.stans ?? [f.stan];
    want(`duplicate-charge ${f.intentId ?? '?'} ${f.terminalId}/${stans.join('+')}`, f.intentId, f.terminalId, stans, f.ledgerSeqs);
  }
  const messages = recorder.trails(wanted.flatMap((w) => w.queries));
  const bySeq = new Map(ledger.map((e) => [e.seq, e]));
  const out: Record<string, Trail> = {};
  let next = 0;
  for (const w of wanted) {
    const mine = messages.slice(next, next + w.queries.length).flat().sort((a, b) => a.at - b.at);
    next += w.queries.length;
    // The debits and everything the issuer applied against them (reversals, voids).
    const related = ledger.filter((e) => e.originalSeq !== undefined && w.seqs.includes(e.originalSeq)).map((e) => e.seq);
    const entries = [...new Set([...w.seqs, ...related])].sort((a, b) => a - b).flatMap((s) => bySeq.get(s) ?? []);
    out[w.key] = { messages: mine, ledger: entries };
  }
  return out;
}
