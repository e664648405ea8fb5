// Joins the issuer's ledger entries to the fleet's attempts (docs/pos-profile.md §3): by RRN where the terminal
// received one, else by 41 + 42 + 11 + 4 + card; when a STAN was reused (a reset counter, a shared terminal id) the
// entry goes to the latest attempt sent before it.
import type { AttemptRecord, LedgerEntry } from './records';

export interface Join {
  /** Ledger seq → the attempt it served. */
  attemptOf: Map<number, AttemptRecord>;
  /** Attempt → the ledger entries that served it, in ledger order. */
  entriesOf: Map<AttemptRecord, LedgerEntry[]>;
  /** Request entries (debit, credit, void, decline, inquiry) that no attempt explains. */
  unmatched: LedgerEntry[];
  /** Entries joined although one of STAN, amount or card differs (a request garbled on the line): seq → which. */
  garbled: Map<number, string>;
}

const KIND_OF_ENTRY: Partial<Record<LedgerEntry['type'], AttemptRecord['kind']>> = {
  debit: 'sale',
  credit: 'refund',
  void: 'void',
  inquiry: 'inquiry',
};

export function keyOf(terminalId: string, merchantId: string, stan: string, cardRef: string): string {
  return `${terminalId}|${merchantId}|${stan}|${cardRef}`;
}

function kindCompatible(entry: LedgerEntry, attempt: AttemptRecord): boolean {
  const kind = KIND_OF_ENTRY[entry.type];
  return kind === undefined || kind === attempt.kind;
}

function compatible(entry: LedgerEntry, attempt: AttemptRecord): boolean {
  if (!kindCompatible(entry, attempt)) return false;
  // Inquiries carry no amount (field 4 absent); every other request is matched on it.
  return attempt.kind === 'inquiry' || entry.type === 'inquiry' || attempt.amount === entry.amount;
}

export function joinLedger(ledger: readonly LedgerEntry[], attempts: readonly AttemptRecord[]): Join {
  const byKey = new Map<string, AttemptRecord[]>();
  const byRrn = new Map<string, AttemptRecord[]>();
  for (const a of attempts) {
    const k = keyOf(a.terminalId, a.merchantId, a.stan, a.cardRef);
    const list = byKey.get(k);
    if (list) list.push(a);
    else byKey.set(k, [a]);
    if (a.rrn) {
      const r = byRrn.get(a.rrn);
      if (r) r.push(a);
      else byRrn.set(a.rrn, [a]);
    }
  }
  for (const list of byKey.values()) list.sort((x, y) => x.sentAt - y.sentAt);

  const attemptOf = new Map<number, AttemptRecord>();
  const entriesOf = new Map<AttemptRecord, LedgerEntry[]>();
  const unmatched: LedgerEntry[] = [];
  const garbled = new Map<number, string>();
  const byTerminal = new Map<string, AttemptRecord[]>();
  for (const a of attempts) {
    const k = `${a.terminalId}|${a.merchantId}`;
    const list = byTerminal.get(k);
    if (list) list.push(a);
    else byTerminal.set(k, [a]);
  }
  for (const list of byTerminal.values()) list.sort((x, y) => x.sentAt - y.sentAt);
  for (const e of ledger) {
    if (e.type === 'reversal') continue;
    const k = keyOf(e.terminalId, e.merchantId, e.stan, e.cardRef);
    let chosen: AttemptRecord | undefined;
    if (e.rrn) {
      // The RRN the switch assigned names the attempt even when a garbled line changed the amount or the card.
      chosen = (byRrn.get(e.rrn) ?? []).find(
        (a) => a.terminalId === e.terminalId && a.merchantId === e.merchantId && a.stan === e.stan && kindCompatible(e, a),
      );
      const differs = chosen ? differences(e, chosen) : [];
      if (differs.length > 0) garbled.set(e.seq, differs.join(' and '));
    }
    if (!chosen) {
      const candidates = (byKey.get(k) ?? []).filter((a) => compatible(e, a));
      for (const a of candidates) if (a.sentAt <= e.at) chosen = a; // sorted: the last one sent before the entry
      if (!chosen && candidates.length > 0) chosen = candidates[0]; // clocks of another process may be a little ahead
    }
    if (!chosen) {
      const fuzzy = garbledMatch(e, byTerminal.get(`${e.terminalId}|${e.merchantId}`) ?? []);
      if (fuzzy) {
        chosen = fuzzy.attempt;
        garbled.set(e.seq, fuzzy.differs);
      }
    }
    if (!chosen) {
      unmatched.push(e);
      continue;
    }
    attemptOf.set(e.seq, chosen);
    const list = entriesOf.get(chosen);
    if (list) list.push(e);
    else entriesOf.set(chosen, [e]);
  }
  return { attemptOf, entriesOf, unmatched, garbled };
}

/**
 * A line without error correction can flip bits in a request the switch then accepts (its MAC check off): the
 * issuer posts a STAN, amount or card the terminal never sent. Such an entry still belongs to the attempt of the
 * same terminal and merchant that agrees on two of the three and was the latest sent before it.
 */
function garbledMatch(e: LedgerEntry, sameTerminal: AttemptRecord[]): { attempt: AttemptRecord; differs: string } | null {
  let best: { attempt: AttemptRecord; differs: string } | null = null;
  for (const a of sameTerminal) {
    if (a.sentAt > e.at) break;
    if (!kindCompatible(e, a)) continue;
    const differs = differences(e, a);
    if (differs.length === 1) best = { attempt: a, differs: differs[0] };
  }
  return best;
}

/** Which of STAN, amount and card the issuer posted otherwise than the attempt sent them. */
function differences(e: LedgerEntry, a: AttemptRecord): string[] {
  const out: string[] = [];
  if (a.stan !== e.stan) out.push('STAN');
  if (a.amount !== e.amount && e.type !== 'inquiry' && a.kind !== 'inquiry') out.push('amount');
  if (a.cardRef !== e.cardRef) out.push('card');
  return out;
}
