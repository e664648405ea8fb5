import { strict as assert } from 'node:assert';
import { Registry } from 'prom-client';
import { createServer, type AddressInfo } from 'node:net';
import { createLiveMetrics, openMetricsServer, registerFleetMetrics, startMetricsServer, type MetricsServer } from '../../harness/metrics';
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
    assert.match(text, /^posfault_duplicate_charges_prevented_total 0$/m);
    assert.doesNotMatch(text, /terminal_id|terminalId/);
    const other = await fetch(server.url.replace('/metrics', '/nope'));
    assert.equal(other.status, 404);
  });

  it('counts duplicate charges prevented as a counter that only grows with the reconciled figure', async () => {
    resetSeq();
    const registry = new Registry();
    const live = createLiveMetrics(registry);
    const rev = reversal({ stan: '000006', status: 'acknowledged', ackCode: '00' });
    const r = reconcile({
      ledger: [entry({ type: 'debit', stan: '000006', at: 10 }), entry({ type: 'reversal', stan: '000006', at: 40, originalSeq: 1 }), entry({ type: 'debit', stan: '000007', at: 60 })],
      attempts: [
        attempt({ intentId: 'i1', stan: '000006', sentAt: 5, result: 'no-response', reversal: rev }),
        attempt({ intentId: 'i1', attempt: 2, stan: '000007', sentAt: 55, result: 'approved', responseCode: '00' }),
      ],
      switchReversals: [],
      receipts: [],
    });
    assert.equal(r.duplicateCharges.prevented, 1);
    live.reconciled(r);
    live.reconciled(r);
    const metric = await registry.getSingleMetricAsString('posfault_duplicate_charges_prevented_total');
    assert.match(metric, /# TYPE posfault_duplicate_charges_prevented_total counter/);
    assert.match(metric, /^posfault_duplicate_charges_prevented_total 1$/m);
  });

  it('serves the fleet\'s and the printers\' own counts, read at each scrape', async () => {
    const registry = new Registry();
    const stats = { dials: 3, dialFailures: { 'line-busy': 2 }, lateResponses: 0, badFrames: 1, signOns: 4, signOnFailures: 0, badResponseMacs: 0, reprints: 1, inFlight: 2, openLines: 5 };
    const tally: Record<string, number> = { printed: 7, 'not-printed': 2 };
    registerFleetMetrics(registry, () => stats, () => tally);
    let text = await registry.metrics();
    assert.match(text, /^posfault_fleet_dial_failures_total\{reason="line-busy"\} 2$/m);
    assert.match(text, /^posfault_printer_receipts_total\{result="not-printed"\} 2$/m);
    stats.dials = 10;
    tally.printed = 9;
    text = await registry.metrics();
    assert.match(text, /^posfault_fleet_dials_total 10$/m);
    assert.match(text, /^posfault_printer_receipts_total\{result="printed"\} 9$/m);
    assert.match(text, /^posfault_fleet_lines_open 5$/m);
  });

  it('the run\'s /metrics falls back to a free port when the default is taken; a chosen port that is taken is an error', async () => {
    const holder = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
    const taken = (holder.address() as AddressInfo).port;
    try {
      const notices: string[] = [];
      server = await openMetricsServer(new Registry(), undefined, '127.0.0.1', (m) => notices.push(m), taken);
      assert.notEqual(server.port, taken);
      assert.match(notices[0], new RegExp(`default port ${taken} .*taken.*free port`));
      assert.equal((await fetch(server.url)).status, 200);
      await assert.rejects(openMetricsServer(new Registry(), taken, '127.0.0.1', () => undefined), /cannot serve metrics on 127\.0\.0\.1:\d+: the port is taken.*--no-metrics/);
    } finally {
      await new Promise((r) => holder.close(r));
    }
  });
});

