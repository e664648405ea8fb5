import { strict as assert } from 'node:assert';
import { Registry } from 'prom-client';
import { createLiveMetrics, startMetricsServer, type MetricsServer } from '../../harness/metrics';
import { reconcile } from '../../harness/reconcile';
import { attempt, entry, resetSeq, reversal } from '../reconcile/build';

describe('live metrics on /metrics', () => {
  let server: MetricsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves the headline series, and counters only grow with the reconciled figures', async () => {
    resetSeq();
    const registry = new Registry();
    const live = createLiveMetrics(registry);
    server = await startMetricsServer(registry, 0);
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    live.intentSent('sale');
    live.intentFinished('sale', 'approved-with-receipt', '00', 120);
    const failedRev = reversal({ stan: '000001', status: 'failed' });
    const r1 = reconcile({
      ledger: [entry({ type: 'debit', stan: '000001', at: 10 })],
      attempts: [attempt({ intentId: 'i1', stan: '000001', sentAt: 5, result: 'no-response', reversal: failedRev })],
      switchReversals: [],
      receipts: [],
    });
    live.reconciled(r1);
    live.reconciled(r1); // the same figures again must not double the counters
    const text = await (await fetch(server.url)).text();
    assert.match(text, /^posfault_reversals_initiated_total\{initiator="terminal"\} 1$/m);
    assert.match(text, /^posfault_reversals_completed_total\{initiator="terminal"\} 0$/m);
    assert.match(text, /^posfault_reversal_success_ratio 0$/m);
    assert.match(text, /^posfault_unprinted_but_debited 1$/m);
    assert.match(text, /^posfault_reversals\{initiator="terminal",reason="98",result="not_completed"\} 1$/m);
    assert.match(text, /^posfault_intent_outcomes_total\{kind="sale",outcome="approved-with-receipt",code="00"\} 1$/m);
    assert.match(text, /^posfault_sale_latency_seconds_bucket\{le="0.25",outcome="approved-with-receipt"\} 1$/m);
    assert.doesNotMatch(text, /terminal_id|terminalId/);
    const other = await fetch(server.url.replace('/metrics', '/nope'));
    assert.equal(other.status, 404);
  });
});
