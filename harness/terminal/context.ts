// What every terminal of a fleet shares: configuration, codec, timer wheel, store, line, records and counters.
import type { PrinterSink } from '../printers/types';
import type { ReceiptJournal } from '../printers/receipt-journal';
import type { AttemptRecord, IntentOutcome } from '../reconcile/records';
import type { ResolvedFleetConfig } from './config';
import type { LineContext, LineStats } from './line';
import type { FleetStore } from './store';
import type { TimerWheel } from './timer-wheel';
import type { Wire } from './wire';

export interface FleetCounters extends LineStats {
  signOns: number;
  signOnFailures: number;
  reversalsInitiated: number;
  reversalsAcknowledged: number;
  reversalsFailed: number;
  /** Approvals whose MAC did not verify (each reversed with A0). */
  badResponseMacs: number;
  /** Declines whose MAC did not verify (taken as declines: nothing to reverse). */
  declineMacFailures: number;
  reprints: number;
  /** Sales, voids and refunds refused before sending because the printer still owed the last receipt. */
  receiptOwedRefusals: number;
}

export function newCounters(): FleetCounters {
  return {
    lateResponses: 0, badFrames: 0, dials: 0,
    dialFailures: { 'no-dial-tone': 0, 'line-busy': 0, 'connect-timeout': 0 },
    signOns: 0, signOnFailures: 0, reversalsInitiated: 0, reversalsAcknowledged: 0, reversalsFailed: 0,
    badResponseMacs: 0, declineMacFailures: 0, reprints: 0, receiptOwedRefusals: 0,
  };
}

export interface FleetContext {
  cfg: ResolvedFleetConfig;
  wire: Wire;
  wheel: TimerWheel;
  store: FleetStore;
  line: LineContext;
  stats: FleetCounters;
  attempts: AttemptRecord[];
  outcomes: IntentOutcome[];
  receiptJournal: ReceiptJournal;
  sinkFor(terminalIndex: number): PrinterSink;
  /** Set by close(): no new tries start. */
  closing: boolean;
  busyTerminals: number;
  /** Called when a terminal's queue runs empty. */
  onIdle(t: import('./terminal').Terminal): void;
}

/** Why a transaction did not complete, beyond the response code. */
export type Failure = 'dial-failed' | 'no-response' | 'bad-response' | 'sign-on-failed' | 'not-printed' | 'receipt-owed';

export interface TransactionResult {
  outcome: IntentOutcome['outcome'];
  responseCode?: string;
  failure?: Failure;
  /** The request sent (null when none was: the terminal could not sign on). */
  attempt: AttemptRecord | null;
  printed?: import('../printers/types').PrintResult;
  /** For an inquiry: field 54 as received. */
  balance?: string;
  /** What the terminal shows when it refused the intent itself (failure = receipt-owed). */
  reason?: string;
}
