// Every scenario file, run for real (child processes, loopback sockets): the healthy variants hold their SLOs,
// the variants with a safeguard switched off fail them, on the figure that safeguard protects.
import { strict as assert } from 'node:assert';
import type { RunReport } from '../../harness/metrics/report';
import { cleanup, runCli, scenarioFile, type CliRun } from './run-cli';

interface Case {
  name: string;
  /** Extra arguments (the ~1 minute demo runs compressed). */
  args?: string[];
  pass: boolean;
  /** For a failing variant: the SLOs that may fail (only SLOs of this list). */
  breaks?: string[];
  /** For a failing variant: the SLOs that must fail in every run, the figures the missing safeguard protects. */
  must?: string[];
  /** For a healthy variant: proof that its faults did something (a scenario whose faults do nothing passes too). */
  effect?: (r: RunReport) => void;
}

const code = (r: RunReport, c: string) => r.reconciliation.attempts.byResponseCode[c] ?? 0;

const CASES: Case[] = [
  {
    name: 'smoke',
    pass: true,
    // 150 ± 50 ms of latency for one second of three: a tenth of the sales waited that long, which
    // no single scheduler stall on a loaded machine can fake (idle, without the fault, p90 is under 20 ms).
    effect: (r) => assert.ok((r.figures.saleLatencyMs.p90 ?? 0) >= 100, `sale latency p90 ${r.figures.saleLatencyMs.p90} ms`),
  },
  {
    name: 'demo',
    args: ['--scale', '0.15'],
    pass: true,
    effect: (r) => {
      assert.ok(r.reconciliation.reversals.byInitiator.switch.initiated > 0, 'the issuer-link stall made the switch reverse on its own');
      assert.ok((r.faultEffects.receipts['not-printed'] ?? 0) > 0, `paper ran out: ${JSON.stringify(r.faultEffects.receipts)}`);
    },
  },
  { name: 'timeouts', pass: true, effect: (r) => assert.ok(r.reconciliation.reversals.byInitiator.switch.initiated > 0, 'the stalled issuer link made the switch reverse on its own') },
  { name: 'timeouts-no-saf', pass: false, breaks: ['unprintedButDebited', 'duplicateCharges'], must: ['unprintedButDebited', 'duplicateCharges'] },
  {
    name: 'issuer-maintenance',
    pass: true,
    effect: (r) => {
      assert.ok(code(r, '91') > 0, 'the answer-91 window answered 91');
      assert.ok(r.reconciliation.reversals.byInitiator.switch.initiated > 0, 'the silent window made the switch reverse on its own');
    },
  },
  { name: 'issuer-maintenance-no-timeout', pass: false, breaks: ['reversalSuccessRate'], must: ['reversalSuccessRate'] },
  { name: 'mac-desync', pass: true, effect: (r) => assert.ok(code(r, 'A0') > 0, `the switch refused stale or garbled MACs with A0: ${JSON.stringify(r.reconciliation.attempts.byResponseCode)}`) },
  { name: 'mac-desync-no-mac', pass: false, breaks: ['reversalSuccessRate', 'unprintedButDebited', 'duplicateCharges', 'alteredRequests'], must: ['reversalSuccessRate'] },
  {
    name: 'dialup-noise',
    pass: true,
    effect: (r) => {
      assert.ok(r.faultEffects.proxy.bytesCorrupted > 0, 'line noise flipped bytes');
      assert.ok((r.faultEffects.proxy.lineEvents.busy ?? 0) > 0, `busy tones: ${JSON.stringify(r.faultEffects.proxy.lineEvents)}`);
      assert.ok((r.faultEffects.proxy.lineEvents.carrier_drop ?? 0) > 0, 'carrier drops');
    },
  },
  { name: 'dialup-noise-no-mac', pass: false, breaks: ['alteredRequests', 'unprintedButDebited', 'duplicateCharges', 'reversalSuccessRate'], must: ['alteredRequests'] },
  { name: 'duplicate-stan', pass: true, effect: (r) => assert.ok(code(r, '94') > 0, 'repeated STANs answered 94') },
  { name: 'duplicate-stan-no-dedup', pass: false, breaks: ['unprintedButDebited', 'duplicateCharges', 'printedButNotDebited'], must: ['unprintedButDebited'] },
  {
    name: 'printer-paper-out',
    pass: true,
    effect: (r) => {
      assert.ok((r.faultEffects.receipts['not-printed'] ?? 0) > 0, `receipts not printed: ${JSON.stringify(r.faultEffects.receipts)}`);
      assert.ok((r.reconciliation.reversals.byReason['96']?.initiated ?? 0) > 0, 'unprinted approvals reversed with 96');
    },
  },
  {
    name: 'printer-paper-out-reprint',
    pass: true,
    effect: (r) => {
      assert.ok((r.faultEffects.receipts['not-printed'] ?? 0) > 0, `receipts not printed: ${JSON.stringify(r.faultEffects.receipts)}`);
      assert.ok(r.faultEffects.fleet.reprints > 0, 'reprinted once the paper was back');
      assert.equal(r.reconciliation.reversals.byReason['96']?.initiated ?? 0, 0, 'the reprint policy reverses nothing for a receipt');
      // Intents the terminal refused itself while a receipt was owed. More of them than owed receipts: the printers
      // met several intents each while out of paper, which the reprint of the last receipt alone would not survive.
      const { receiptOwedRefusals, reprints } = r.faultEffects.fleet;
      assert.ok(receiptOwedRefusals > reprints, `refused while a receipt was owed: ${JSON.stringify(r.faultEffects.fleet)}`);
      assert.ok((r.load.outcomes['failed-not-sent'] ?? 0) >= receiptOwedRefusals, `refusals are failed-not-sent: ${JSON.stringify(r.load.outcomes)}`);
      assert.equal(r.figures.unprintedButDebited, 0);
    },
  },
  { name: 'settlement-mismatch', pass: true, effect: (r) => assert.ok((r.figures.settlement?.unbalanced ?? 0) > 0, 'some batches unbalanced') },
];

/** Runs at most `width` scenarios at once (the machine has 2 cores; most of a run is waiting on timers). */
async function pool<T, R>(items: T[], width: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

describe('scenarios: healthy variants hold their SLOs, broken variants fail them', function () {
  this.timeout(300_000);
  const runs = new Map<string, CliRun>();

  before(async function () {
    this.timeout(300_000);
    const results = await pool(CASES, 3, (c) => runCli(['run', scenarioFile(c.name), '--out', '$OUT', ...(c.args ?? [])], { timeoutMs: 90_000 }));
    CASES.forEach((c, i) => runs.set(c.name, results[i]));
  });

  after(() => {
    for (const r of runs.values()) cleanup(r);
  });

  for (const c of CASES) {
    it(`${c.name}: ${c.pass ? 'every SLO holds (exit 0)' : `fails on ${c.breaks?.join(' / ')} (exit 1)`}`, () => {
      const run = runs.get(c.name);
      assert.ok(run, 'the run happened');
      const r = run.report;
      assert.ok(r, `report.json written (exit ${run.code}, stderr: ${run.stderr.slice(-500)})`);
      const failing = r.slos.filter((s) => s.verdict !== 'holds').map((s) => `${s.name}=${s.actual}`);
      if (c.pass) {
        assert.deepEqual(failing, [], `every SLO holds; figures ${JSON.stringify(r.figures)}`);
        assert.equal(r.verdict, 'pass');
        assert.equal(run.code, 0);
        c.effect?.(r);
      } else {
        assert.equal(r.verdict, 'fail');
        assert.equal(run.code, 1);
        const names = r.slos.filter((s) => s.verdict === 'fails').map((s) => s.name);
        assert.ok(names.length > 0);
        for (const n of names) assert.ok(c.breaks?.includes(n), `${n} fails, which this safeguard does not explain (${failing.join(', ')})`);
        for (const n of c.must ?? []) assert.ok(names.includes(n), `${n} must fail without this safeguard; failing: ${failing.join(', ') || 'none'}`);
      }
      assert.ok(r.plan.intents > 0 && Object.values(r.load.sent).reduce((a, b) => a + b, 0) > 0, 'load was sent');
      assert.equal(r.warnings.filter((w) => /could not be put in force|could not be taken out/.test(w)).length, 0, r.warnings.join('; '));
      // Card data never leaves masked: no full PAN (the issuer stub's test BINs) anywhere in the report.
      const pan = /\b(622202|622848|621700|622588|625807|621483)\d{10,13}\b/.exec(JSON.stringify(r));
      assert.equal(pan, null, 'a full PAN in report.json');
    });
  }

  it('the failing variants carry the ISO 8583 trail of each harmed transaction, PANs masked', () => {
    const r = runs.get('timeouts-no-saf')?.report;
    assert.ok(r);
    const trails = Object.entries(r.trails);
    assert.ok(trails.length > 0, 'trails written');
    const [key, trail] = trails.find(([k]) => k.startsWith('unprinted-but-debited')) ?? trails[0];
    assert.ok(trail.messages.some((m) => m.mti === '0200' && m.direction === 'sent'), `${key}: the sale request`);
    assert.ok(trail.ledger.some((e) => e.type === 'debit'), `${key}: the standing debit`);
    for (const m of trail.messages) {
      if (m.fields['2'] !== undefined) assert.match(m.fields['2'], /^\d{6}\*+\d{4}$/);
      if (m.fields['52'] !== undefined) assert.equal(m.fields['52'], '[redacted]');
    }
  });

  it('the headline figures of the failing variants point at the safeguard', () => {
    const noSaf = runs.get('timeouts-no-saf')?.report;
    const saf = runs.get('timeouts')?.report;
    assert.ok(noSaf && saf);
    assert.ok(noSaf.figures.unprintedButDebited > 0);
    assert.equal(noSaf.reconciliation.reversals.byInitiator.switch.initiated, 0, 'no switch reversal without store-and-forward');
    assert.ok(saf.reconciliation.reversals.byInitiator.switch.initiated > 0, 'the healthy switch reversed on its own');
    const noTimeout = runs.get('issuer-maintenance-no-timeout')?.report;
    assert.ok(noTimeout && noTimeout.reconciliation.reversals.notCompleted.every((f) => f.initiator === 'terminal'));
    const noDedup = runs.get('duplicate-stan-no-dedup')?.report;
    const dedup = runs.get('duplicate-stan')?.report;
    assert.ok(noDedup && dedup);
    assert.ok((dedup.reconciliation.attempts.byResponseCode['94'] ?? 0) > 0, 'the healthy switch answered repeated STANs with 94');
    assert.equal(noDedup.reconciliation.attempts.byResponseCode['94'] ?? 0, 0);
  });

  it('settlement-mismatch does settle unbalanced batches, uploading them, with the customers\' money right', () => {
    const r = runs.get('settlement-mismatch')?.report;
    assert.ok(r?.figures.settlement);
    const s = r.figures.settlement;
    assert.equal(s.terminals, 10);
    assert.equal(s.failed, 0);
    assert.ok(s.unbalanced > 0, `some batches unbalanced: ${JSON.stringify(s)}`);
    assert.ok(s.uploaded > 0);
    assert.equal(r.figures.unprintedButDebited, 0);
  });
});
