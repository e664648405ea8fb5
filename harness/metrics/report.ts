// report.json: every figure of the run, the verdict of every SLO, the findings behind failing figures and their
// ISO 8583 trails (card data masked). Written at the end of the run into the --out folder.
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Reconciliation } from '../reconcile/reconcile';
import type { LedgerEntry } from '../reconcile/records';
import type { Figures } from './figures';
import type { SloVerdict } from './slo';

export interface TrailMessage {
  at: number;
  /** Where the message was seen: the terminal's side of the terminal line. */
  direction: 'sent' | 'received';
  terminalIndex: number;
  mti: string;
  fields: Record<string, string>;
}

/** One failing transaction: the fleet's messages on the terminal line and the issuer's ledger entries for it. */
export interface Trail {
  messages: TrailMessage[];
  ledger: LedgerEntry[];
}

/** What the components said of themselves during the run: evidence that each fault took effect, never a figure. */
export interface FaultEffects {
  /** Receipts by the printer sink's answer (printed, not-printed, unknown). */
  receipts: Record<string, number>;
  fleet: {
    dials: number;
    dialFailures: Record<string, number>;
    lateResponses: number;
    badFrames: number;
    badResponseMacs: number;
    signOnFailures: number;
    reprints: number;
    /** Sales, voids and refunds a terminal refused because its printer still owed the last receipt. */
    receiptOwedRefusals: number;
  };
  /** The built-in proxy's line faults (absent with --toxiproxy): bytes flipped by line noise, busy calls, drops. */
  proxy: { bytesCorrupted: number; lineEvents: Record<string, number> };
}

export interface RunReport {
  posfault: string;
  scenario: { name: string; file: string; description?: string; seed: string; scale: number };
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  stack: { switch: string; proxy: string; issuer: string; metrics?: string };
  plan: { intents: number; loadDurationMs: number; settleMs: number; faults: unknown[] };
  load: { sent: Record<string, number>; skipped: number; secondSwipes: number; outcomes: Record<string, number> };
  figures: Figures;
  slos: SloVerdict[];
  verdict: 'pass' | 'fail';
  reconciliation: Reconciliation;
  faultEffects: FaultEffects;
  /** Message trails of the transactions behind unprinted-but-debited and duplicate charges, keyed by finding. */
  trails: Record<string, Trail>;
  /** What this run could not compute or observe, and why. */
  limitations: string[];
  /** Where a fault of the scenario could not be applied as written, and what was done instead. */
  warnings: string[];
}

export function writeReport(dir: string, report: RunReport): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'report.json');
  writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  return file;
}
