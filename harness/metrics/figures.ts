// The figures a run is judged on, gathered from the reconciliation and the load driver's own clock.
import type { Reconciliation } from '../reconcile/reconcile';

export interface LatencySummary {
  count: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export interface SettlementFigures {
  terminals: number;
  balanced: number;
  unbalanced: number;
  /** Batches that could not be settled (no answer, or an error). */
  failed: number;
  /** Transactions sent in batch uploads (0320). */
  uploaded: number;
}

export interface Figures {
  /** False when the issuer ledger could not be joined to this run: every ledger figure below is then meaningless. */
  ledgerAvailable: boolean;
  /** completed / initiated; null when no reversal was initiated. */
  reversalSuccessRate: number | null;
  reversalsInitiated: number;
  reversalsCompleted: number;
  unprintedButDebited: number;
  duplicateChargesPrevented: number;
  duplicateChargesLeaked: number;
  intentsReachedMoreThanOnce: number;
  printedButNotDebited: number;
  unmatchedDebits: number;
  /** Requests the issuer acted on that no terminal sent as such (garbled on the line and let through). */
  alteredRequests: number;
  /** Sale intents approved with a receipt / sale intents finished. */
  approvalRate: number | null;
  saleLatencyMs: LatencySummary;
  /** Present when the scenario settles the batches at the end. */
  settlement?: SettlementFigures;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1];
}

export function summariseLatency(values: readonly number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.length > 0 ? sorted[sorted.length - 1] : null,
  };
}

export function computeFigures(
  r: Reconciliation,
  saleLatenciesMs: readonly number[],
  saleOutcomes: readonly string[],
  settlement?: SettlementFigures,
  ledgerAvailable = true,
): Figures {
  const approved = saleOutcomes.filter((o) => o === 'approved-with-receipt').length;
  return {
    ledgerAvailable,
    reversalSuccessRate: r.reversals.successRate,
    reversalsInitiated: r.reversals.initiated,
    reversalsCompleted: r.reversals.completed,
    unprintedButDebited: r.unprintedButDebited.count,
    duplicateChargesPrevented: r.duplicateCharges.prevented,
    duplicateChargesLeaked: r.duplicateCharges.leaked,
    intentsReachedMoreThanOnce: r.duplicateCharges.reachedMoreThanOnce,
    printedButNotDebited: r.printedButNotDebited.count,
    unmatchedDebits: r.unmatchedDebits.count,
    alteredRequests: r.alteredRequests.count,
    approvalRate: saleOutcomes.length === 0 ? null : approved / saleOutcomes.length,
    saleLatencyMs: summariseLatency(saleLatenciesMs),
    ...(settlement ? { settlement } : {}),
  };
}
