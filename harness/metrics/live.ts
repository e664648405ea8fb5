// The run's live series on the shared prom-client Registry. Headline figures come from periodic reconciliation
// of the records (never from a component's count of itself); counters only ever grow by the increase of the
// reconciled figure, so Prometheus can take rates of them. No terminal-id labels: series stay few at any fleet size.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Reconciliation } from '../reconcile/reconcile';

export interface LiveMetrics {
  intentSent(kind: string): void;
  intentFinished(kind: string, outcome: string, responseCode: string | undefined, latencyMs: number): void;
  faultChanged(link: string, kind: string, type: string, delta: 1 | -1): void;
  reconciled(r: Reconciliation): void;
  setReversalsPending(n: number): void;
}

export function createLiveMetrics(registry: Registry): LiveMetrics {
  const registers = [registry];
  const intentsSent = new Counter({ name: 'posfault_intents_sent_total', help: 'Purchase intents the load driver handed to the fleet', labelNames: ['kind'], registers });
  const intentsDone = new Counter({
    name: 'posfault_intent_outcomes_total',
    help: 'Intents finished, by what the customer saw and the response code of the last attempt',
    labelNames: ['kind', 'outcome', 'code'],
    registers,
  });
  const latency = new Histogram({
    name: 'posfault_sale_latency_seconds',
    help: 'Time from a sale intent being handed to the fleet to its outcome (all attempts, receipts and reversals included)',
    labelNames: ['outcome'],
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 8, 13, 21, 34, 60],
    registers,
  });
  const faults = new Gauge({ name: 'posfault_faults_in_force', help: 'Scheduled faults in force now (toxics, link down, maintenance, safeguards off, printer faults)', labelNames: ['link', 'kind', 'type'], registers });
  const pending = new Gauge({ name: 'posfault_reversals_pending', help: 'Reversals initiated and not yet acknowledged or given up (terminal and switch)', registers });
  const revInitiated = new Counter({ name: 'posfault_reversals_initiated_total', help: 'Reversals initiated (terminal 0400 and switch store-and-forward), from the records', labelNames: ['initiator'], registers });
  const revCompleted = new Counter({
    name: 'posfault_reversals_completed_total',
    help: 'Reversals completed: acknowledged to the initiator and the original no longer a debit on the issuer ledger',
    labelNames: ['initiator'],
    registers,
  });
  const revRatio = new Gauge({ name: 'posfault_reversal_success_ratio', help: 'Reversals completed / initiated (1 when none initiated)', registers });
  const revByReason = new Gauge({ name: 'posfault_reversals', help: 'Reversals by initiator, reason (field 39) and result, as reconciled now', labelNames: ['initiator', 'reason', 'result'], registers });
  const unprinted = new Gauge({ name: 'posfault_unprinted_but_debited', help: 'Attempts whose original stands as a debit on the issuer ledger with no printed receipt', registers });
  const dup = new Gauge({ name: 'posfault_duplicate_charge_intents', help: 'Intents that reached the switch/issuer more than once: prevented (<=1 net debit) or leaked (>=2)', labelNames: ['result'], registers });
  const dupLeakedTotal = new Counter({ name: 'posfault_duplicate_charges_leaked_total', help: 'Intents found with two or more net debits (grows with each newly reconciled leak)', registers });
  const dupPreventedTotal = new Counter({
    name: 'posfault_duplicate_charges_prevented_total',
    help: 'Intents found reaching the switch/issuer more than once with at most one net debit (grows with each newly reconciled one)',
    registers,
  });
  const notDebited = new Gauge({ name: 'posfault_printed_but_not_debited', help: 'Printed sale receipts with no standing debit on the issuer ledger (the merchant\'s loss)', registers });
  const altered = new Gauge({ name: 'posfault_altered_requests', help: 'Requests the issuer acted on that differ from what any terminal sent', registers });
  const netDebits = new Gauge({ name: 'posfault_ledger_net_debits', help: 'Sales standing as debits on the issuer ledger', registers });

  // Series exist from the start (at 0), so that rate() and absent() work before the first reversal.
  for (const who of ['terminal', 'switch']) {
    revInitiated.inc({ initiator: who }, 0);
    revCompleted.inc({ initiator: who }, 0);
  }
  dupLeakedTotal.inc(0);
  dupPreventedTotal.inc(0);
  revRatio.set(1);
  unprinted.set(0);
  notDebited.set(0);
  dup.set({ result: 'prevented' }, 0);
  dup.set({ result: 'leaked' }, 0);
  const seen = { terminal: { i: 0, c: 0 }, switch: { i: 0, c: 0 }, leaked: 0, prevented: 0 };
  const grow = (c: Counter<string>, labels: Record<string, string>, now: number, before: number) => {
    if (now > before) c.inc(labels, now - before);
    return Math.max(now, before);
  };
  return {
    intentSent: (kind) => intentsSent.inc({ kind }),
    intentFinished: (kind, outcome, code, ms) => {
      intentsDone.inc({ kind, outcome, code: code ?? 'none' });
      if (kind === 'sale') latency.observe({ outcome }, ms / 1000);
    },
    faultChanged: (link, kind, type, delta) => faults.inc({ link, kind, type }, delta),
    setReversalsPending: (n) => pending.set(n),
    reconciled: (r) => {
      for (const who of ['terminal', 'switch'] as const) {
        seen[who].i = grow(revInitiated, { initiator: who }, r.reversals.byInitiator[who].initiated, seen[who].i);
        seen[who].c = grow(revCompleted, { initiator: who }, r.reversals.byInitiator[who].completed, seen[who].c);
      }
      revRatio.set(r.reversals.successRate ?? 1);
      revByReason.reset();
      const failedByKey = new Map<string, number>();
      for (const f of r.reversals.notCompleted) {
        const k = `${f.initiator}|${f.reason}`;
        failedByKey.set(k, (failedByKey.get(k) ?? 0) + 1);
      }
      for (const [reason, t] of Object.entries(r.reversals.byReason)) {
        // byReason mixes initiators; split the not-completed ones back out by initiator for the labels.
        let notDone = 0;
        for (const who of ['terminal', 'switch'] as const) {
          const n = failedByKey.get(`${who}|${reason}`) ?? 0;
          notDone += n;
          if (n > 0) revByReason.set({ initiator: who, reason, result: 'not_completed' }, n);
        }
        revByReason.set({ initiator: 'any', reason, result: 'completed' }, t.initiated - notDone);
      }
      unprinted.set(r.unprintedButDebited.count);
      dup.set({ result: 'prevented' }, r.duplicateCharges.prevented);
      dup.set({ result: 'leaked' }, r.duplicateCharges.leaked);
      seen.leaked = grow(dupLeakedTotal, {}, r.duplicateCharges.leaked, seen.leaked);
      seen.prevented = grow(dupPreventedTotal, {}, r.duplicateCharges.prevented, seen.prevented);
      notDebited.set(r.printedButNotDebited.count);
      netDebits.set(r.ledger.netDebits);
      altered.set(r.alteredRequests.count);
    },
  };
}
