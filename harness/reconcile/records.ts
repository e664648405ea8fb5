// The records the reconciler joins (DESIGN.md, "The headline metrics"). Each component writes its own kind;
// none of them counts outcomes for itself. Amounts are in minor units (fen). Times are ms since the epoch.
// Card data appears only as cardRef (harness/security/card.ts) and the masked PAN.

/** The issuer's ledger, one entry per applied request, in the order applied: the ground truth. */
export interface LedgerEntry {
  seq: number;
  at: number;
  /** debit: a sale posted; credit: a refund posted; reversal / void: cancels `originalSeq`;
   *  decline: a request answered with a non-approval; inquiry: a balance inquiry. */
  type: 'debit' | 'credit' | 'reversal' | 'void' | 'decline' | 'inquiry';
  mti: string;
  terminalId: string;
  merchantId: string;
  stan: string;
  /** Field 7 as the switch sent it (MMDDhhmmss). */
  transmissionDateTime: string;
  rrn: string;
  amount: number;
  cardRef: string;
  panMasked: string;
  responseCode: string;
  authCode?: string;
  /** For reversal / void: the ledger seq of the debit it cancelled. Absent when nothing was found (code 25). */
  originalSeq?: number;
  /** Set when the issuer's own duplicate check recognised this request as a repeat of `duplicateOf`. */
  duplicateOf?: number;
}

/** One request a terminal sent on behalf of a purchase intent (a retry or second swipe is a new attempt). */
export interface AttemptRecord {
  intentId: string;
  attempt: number;
  kind: 'sale' | 'void' | 'refund' | 'inquiry';
  terminalIndex: number;
  terminalId: string;
  merchantId: string;
  stan: string;
  batch: string;
  amount: number;
  cardRef: string;
  sentAt: number;
  finishedAt?: number;
  /** Field 39 the terminal accepted, absent when no valid response came. */
  responseCode?: string;
  rrn?: string;
  authCode?: string;
  /** What the terminal concluded: approved, declined, no-response (timeout), bad-response (MAC / mismatch), dial-failed. */
  result: 'approved' | 'declined' | 'no-response' | 'bad-response' | 'dial-failed' | 'in-flight';
  reversal?: ReversalRecord;
}

/** A reversal a terminal (0400) or the switch (0420 store-and-forward) initiated. */
export interface ReversalRecord {
  initiator: 'terminal' | 'switch';
  reason: string;
  initiatedAt: number;
  tries: number;
  /** acknowledged: an 0410/0430 with 00 or 25 reached the initiator; failed: tries exhausted; pending: still queued. */
  status: 'acknowledged' | 'failed' | 'pending';
  acknowledgedAt?: number;
  ackCode?: string;
  /** Keys of the original request as the initiator knows them. */
  terminalId: string;
  merchantId: string;
  stan: string;
  amount: number;
  cardRef: string;
  rrn?: string;
  transmissionDateTime?: string;
}

/** What a printer sink reported for one receipt. */
export interface ReceiptRecord {
  at: number;
  kind: 'sale' | 'void' | 'refund';
  reprint: boolean;
  printed: 'printed' | 'not-printed' | 'unknown';
  terminalIndex: number;
  terminalId: string;
  merchantId: string;
  stan: string;
  batch: string;
  rrn: string;
  authCode: string;
  amount: number;
  cardRef: string;
  panMasked: string;
  intentId?: string;
}

/** The outcome the customer saw, one per purchase intent. failed-not-sent: no request reached the switch (the call
 *  could not be made, the terminal could not sign on), so nothing was declined and nothing needs reversing. */
export interface IntentOutcome {
  intentId: string;
  outcome: 'approved-with-receipt' | 'approved-without-receipt' | 'declined' | 'failed-reversed' | 'failed-reversal-pending' | 'failed-not-sent';
  responseCode?: string;
  attempts: number;
  latencyMs: number;
}
