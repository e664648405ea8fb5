import { strict as assert } from 'node:assert';
import { computeFigures, judgeSlos, junitXml, overallVerdict, percentile, summariseLatency } from '../../harness/metrics';
import { reconcile } from '../../harness/reconcile';
import type { Figures } from '../../harness/metrics';

function figures(over: Partial<Figures> = {}): Figures {
  const base = computeFigures(reconcile({ ledger: [], attempts: [], switchReversals: [], receipts: [] }), [100, 200, 300], ['approved-with-receipt', 'declined']);
  return { ...base, ...over };
}

describe('SLO verdicts, JUnit and percentiles', () => {
  it('nearest-rank percentiles', () => {
    const v = Array.from({ length: 100 }, (_, i) => i + 1);
    assert.equal(percentile(v, 99), 99);
    assert.equal(percentile(v, 50), 50);
    assert.equal(percentile([7], 99), 7);
    assert.equal(percentile([], 99), null);
    assert.deepEqual(summariseLatency([3, 1, 2]), { count: 3, p50: 2, p90: 3, p99: 3, max: 3 });
  });

  it('holds and fails each SLO on its own figure', () => {
    const slos = {
      reversalSuccessRate: { min: 0.999 },
      unprintedButDebited: { max: 0 },
      duplicateCharges: { max: 0 },
      printedButNotDebited: { max: 0 },
      p99SaleLatency: { max: 250 },
      approvalRate: { min: 0.9 },
    };
    const v = judgeSlos(slos, figures({ reversalSuccessRate: 0.5, reversalsInitiated: 2, reversalsCompleted: 1, duplicateChargesLeaked: 1 }), { ledgerAvailable: true });
    const by = Object.fromEntries(v.map((s) => [s.name, s.verdict]));
    assert.deepEqual(by, {
      reversalSuccessRate: 'fails',
      unprintedButDebited: 'holds',
      duplicateCharges: 'fails',
      printedButNotDebited: 'holds',
      p99SaleLatency: 'fails',
      approvalRate: 'fails',
    });
    assert.equal(overallVerdict(v), 'fail');
    assert.equal(v.find((s) => s.name === 'p99SaleLatency')?.actual, 300);
  });

  it('no reversal initiated holds the reversal SLO, saying so', () => {
    const v = judgeSlos({ reversalSuccessRate: { min: 0.999 } }, figures(), { ledgerAvailable: true });
    assert.equal(v[0].verdict, 'holds');
    assert.match(v[0].note ?? '', /no reversal/);
  });

  it('without a ledger of ours, ledger figures are not computed and the run does not pass', () => {
    const v = judgeSlos({ unprintedButDebited: { max: 0 }, p99SaleLatency: { max: 1000 } }, figures(), { ledgerAvailable: false });
    assert.equal(v[0].verdict, 'not-computed');
    assert.equal(v[1].verdict, 'holds');
    assert.equal(overallVerdict(v), 'fail');
  });

  it('writes one JUnit testcase per SLO, failures marked, text escaped', () => {
    const v = judgeSlos({ unprintedButDebited: { max: 0 }, duplicateCharges: { max: 0 } }, figures({ unprintedButDebited: 3 }), { ledgerAvailable: true });
    const xml = junitXml('a<b', v, 1234, { unprintedButDebited: 'stan 000001 & co' });
    assert.equal((xml.match(/<testcase /g) ?? []).length, 2);
    assert.equal((xml.match(/<failure /g) ?? []).length, 1);
    assert.match(xml, /tests="2" failures="1"/);
    assert.match(xml, /a&lt;b/);
    assert.match(xml, /stan 000001 &amp; co/);
    assert.match(xml, /unprintedButDebited = 3 breaks &lt;= 0/);
  });

  it('p99SaleLatency is not computed (and fails) when no sale finished, as approvalRate', () => {
    const none = computeFigures(reconcile({ ledger: [], attempts: [], switchReversals: [], receipts: [] }), [], []);
    const v = judgeSlos({ p99SaleLatency: { max: 1000 }, approvalRate: { min: 0.5 } }, none, { ledgerAvailable: true });
    assert.deepEqual(v.map((s) => [s.name, s.verdict]), [['p99SaleLatency', 'not-computed'], ['approvalRate', 'fails']]);
    assert.match(v[0].note ?? '', /no sale finished/);
    assert.equal(overallVerdict(v), 'fail');
  });
});

