// Judges a run's figures against the scenario's SLOs. A figure the run could not compute (no ledger of ours when
// the switch under test routes elsewhere) is not judged as holding: the verdict is 'not-computed', which fails.
import type { SloSpec } from '../runner/scenario-schema';
import type { Figures } from './figures';

export interface SloVerdict {
  name: string;
  /** e.g. ">= 0.999", "<= 0", "<= 3000 ms". */
  target: string;
  actual: number | null;
  verdict: 'holds' | 'fails' | 'not-computed';
  note?: string;
}

export interface SloContext {
  /** False when the issuer ledger cannot be joined to this run (an external switch routing to another issuer). */
  ledgerAvailable: boolean;
}

export function judgeSlos(slos: SloSpec, f: Figures, ctx: SloContext): SloVerdict[] {
  const out: SloVerdict[] = [];
  const needsLedger = (name: string, target: string, actual: number | null, holds: boolean, note?: string) => {
    if (!ctx.ledgerAvailable) {
      out.push({ name, target, actual: null, verdict: 'not-computed', note: 'needs the issuer ledger, which this run does not have (see limitations)' });
      return;
    }
    out.push({ name, target, actual, verdict: holds ? 'holds' : 'fails', ...(note ? { note } : {}) });
  };
  if (slos.reversalSuccessRate) {
    const min = slos.reversalSuccessRate.min;
    const rate = f.reversalSuccessRate;
    needsLedger(
      'reversalSuccessRate',
      `>= ${min}`,
      rate,
      rate === null || rate >= min,
      rate === null ? 'no reversal was initiated' : `${f.reversalsCompleted} of ${f.reversalsInitiated} completed`,
    );
  }
  if (slos.unprintedButDebited) {
    needsLedger('unprintedButDebited', `<= ${slos.unprintedButDebited.max}`, f.unprintedButDebited, f.unprintedButDebited <= slos.unprintedButDebited.max);
  }
  if (slos.duplicateCharges) {
    needsLedger(
      'duplicateCharges',
      `<= ${slos.duplicateCharges.max}`,
      f.duplicateChargesLeaked,
      f.duplicateChargesLeaked <= slos.duplicateCharges.max,
      `${f.duplicateChargesPrevented} prevented of ${f.intentsReachedMoreThanOnce} intents that reached the switch/issuer more than once`,
    );
  }
  if (slos.printedButNotDebited) {
    needsLedger('printedButNotDebited', `<= ${slos.printedButNotDebited.max}`, f.printedButNotDebited, f.printedButNotDebited <= slos.printedButNotDebited.max);
  }
  if (slos.alteredRequests) {
    needsLedger('alteredRequests', `<= ${slos.alteredRequests.max}`, f.alteredRequests, f.alteredRequests <= slos.alteredRequests.max);
  }
  if (slos.p99SaleLatency) {
    const p99 = f.saleLatencyMs.p99;
    // No sale finished: nothing shows the latency held (as approvalRate), so the SLO is not computed and fails.
    out.push({
      name: 'p99SaleLatency',
      target: `<= ${slos.p99SaleLatency.max} ms`,
      actual: p99,
      verdict: p99 === null ? 'not-computed' : p99 <= slos.p99SaleLatency.max ? 'holds' : 'fails',
      ...(p99 === null ? { note: 'no sale finished' } : {}),
    });
  }
  if (slos.settlementFailures) {
    const failed = f.settlement?.failed ?? null;
    out.push({
      name: 'settlementFailures',
      target: `<= ${slos.settlementFailures.max}`,
      actual: failed,
      verdict: failed === null ? 'not-computed' : failed <= slos.settlementFailures.max ? 'holds' : 'fails',
      ...(f.settlement ? { note: `${f.settlement.balanced} balanced, ${f.settlement.unbalanced} unbalanced (${f.settlement.uploaded} transactions uploaded) of ${f.settlement.terminals}` } : {}),
    });
  }
  if (slos.approvalRate) {
    const rate = f.approvalRate;
    out.push({ name: 'approvalRate', target: `>= ${slos.approvalRate.min}`, actual: rate, verdict: rate !== null && rate >= slos.approvalRate.min ? 'holds' : 'fails' });
  }
  return out;
}

/** A planned fault the embedded stack could not put in force (or take out) on schedule. */
export interface FaultProblem {
  id: string;
  what: string;
  phase: 'start' | 'stop';
  message: string;
}

/**
 * The fault schedule as a check of its own: a run whose faults did not happen proves nothing about the SLOs, so a
 * fault that could not be put in force or taken out fails the verdict. `planned` leaves out the faults the stack
 * cannot take by design (a switch under test that is not ours: a limitation of the run, reported as such).
 */
export function judgeFaults(planned: number, problems: readonly FaultProblem[]): SloVerdict {
  const failedIds = new Set(problems.map((p) => p.id));
  const applied = planned - failedIds.size;
  const first = problems.slice(0, 3).map((p) => `${p.id} (${p.what}) ${p.phase === 'start' ? 'not put in force' : 'not taken out'}: ${p.message}`);
  return {
    name: 'faultsApplied',
    target: `${planned} of ${planned}`,
    actual: applied,
    verdict: failedIds.size === 0 ? 'holds' : 'fails',
    ...(first.length > 0 ? { note: first.join('; ') + (problems.length > 3 ? ` (+${problems.length - 3} more)` : '') } : {}),
  };
}

export function overallVerdict(slos: readonly SloVerdict[]): 'pass' | 'fail' {
  return slos.every((s) => s.verdict === 'holds') ? 'pass' : 'fail';
}
