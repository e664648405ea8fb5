import { strict as assert } from 'node:assert';
import { VirtualPrinter } from '../../harness/printers';
import type { Fleet } from '../../harness/terminal';
import { startStack, type Stack } from './support/stack';

// A terminal reprints only its last receipt: while one is owed it starts no sale, void or refund (a new receipt
// would replace the owed one for good), until the owed one is printed.
describe('terminal fleet: no new receipt-printing transaction while the last receipt is owed', function () {
  this.timeout(20_000);
  let stack: Stack;
  let printer: VirtualPrinter;
  // Each fleet has a fresh store: give each its own terminal, so that no STAN repeats at the switch.
  let idx = -1;

  before(async () => {
    stack = await startStack({ terminals: 4 });
  });
  after(async () => {
    await stack.close();
  });

  async function fleetWith(policy: 'reverse' | 'reprint'): Promise<Fleet> {
    printer = new VirtualPrinter({ paper: 1 });
    idx++;
    return stack.fleet({ printers: { sink: () => printer, onNotPrinted: policy }, timeouts: { connectMs: 1000, responseMs: 1500 } });
  }

  const sale = (fleet: Fleet, id: string, amount: number) => fleet.submit({ intentId: id, ...stack.card(false), amount, terminalIndex: idx, secondSwipe: true });

  function ledgerOf(fleet: Fleet) {
    const tid = fleet.terminalInfo(idx).terminalId;
    return stack.issuer.ledger().filter((e) => e.terminalId === tid);
  }

  it('reprint policy: the third intent is refused locally while paper is out; paper back, the owed receipt prints first', async () => {
    const fleet = await fleetWith('reprint');
    let sent = 0;
    fleet.onMessage = (m) => {
      if (m.direction === 'out') sent++;
    };
    assert.equal((await sale(fleet, 's1', 100)).outcome, 'approved-with-receipt');
    const s2 = await sale(fleet, 's2', 222);
    assert.deepEqual([s2.outcome, s2.failure], ['approved-without-receipt', 'not-printed']);
    assert.equal(fleet.stats().pendingReprints, 1);

    const before = { stan: fleet.terminalInfo(idx).stan, sent, ledger: ledgerOf(fleet).length, attempts: fleet.attempts().length };
    const s3 = await sale(fleet, 's3', 333);
    assert.deepEqual([s3.outcome, s3.failure, s3.attempts], ['failed-not-sent', 'receipt-owed', 0], 'no second swipe either');
    assert.match(s3.reason ?? '', /^printer out of paper: the last receipt \(voucher \d{6}\) is still owed$/);
    assert.ok(s3.reason?.includes(fleet.attempts()[1].stan), 'the owed voucher is s2');
    const s1 = fleet.attempts()[0];
    const v = await fleet.void(idx, s1.stan, 'v1');
    assert.deepEqual([v.outcome, v.failure, v.attempt], ['failed-not-sent', 'receipt-owed', null]);
    const r = await fleet.refund(idx, { ...stack.card(false), amount: 50, original: { rrn: s1.rrn!, batch: s1.batch, stan: s1.stan, date: '0101' }, intentId: 'r1' });
    assert.deepEqual([r.outcome, r.failure], ['failed-not-sent', 'receipt-owed']);
    const after = { stan: fleet.terminalInfo(idx).stan, sent, ledger: ledgerOf(fleet).length, attempts: fleet.attempts().length };
    assert.deepEqual(after, before, 'nothing sent, no STAN taken, nothing on the ledger, no attempt');
    assert.equal(fleet.stats().receiptOwedRefusals, 3);
    assert.equal(fleet.terminalInfo(idx).journal[0].status, 'ok', 'the void did not touch the sale');

    // A balance inquiry prints nothing: it goes ahead.
    const q = await fleet.submit({ intentId: 'q', ...stack.card(false), amount: 0, kind: 'inquiry', terminalIndex: idx });
    assert.equal(q.outcome, 'approved-without-receipt');
    assert.equal(fleet.stats().pendingReprints, 1, 'still owed');

    printer.loadPaper();
    const s4 = await sale(fleet, 's4', 444);
    assert.equal(s4.outcome, 'approved-with-receipt');
    assert.deepEqual(
      fleet.receipts().map((x) => [x.intentId, x.printed, x.reprint, x.amount]),
      [['s1', 'printed', false, 100], ['s2', 'not-printed', false, 222], ['s2', 'printed', true, 222], ['s4', 'printed', false, 444]],
    );
    const [owed, next] = printer.printedTexts().slice(-2);
    assert.match(owed, /重打印 REPRINT[\s\S]*RMB 2\.22/);
    assert.doesNotMatch(next, /REPRINT/);
    assert.equal(fleet.stats().pendingReprints, 0);
    const mine = ledgerOf(fleet);
    assert.deepEqual(mine.filter((e) => e.type === 'debit').map((e) => e.amount), [100, 222, 444]);
    assert.equal(mine.filter((e) => e.type === 'reversal').length, 0);
    assert.equal(fleet.stats().pendingReversals, 0);
  });

  it('reverse policy unchanged: paper out, the second and third sales are approved and reversed with 96, none refused', async () => {
    const fleet = await fleetWith('reverse');
    assert.equal((await fleet.submit({ intentId: 'a1', ...stack.card(false), amount: 100, terminalIndex: idx })).outcome, 'approved-with-receipt');
    for (const id of ['a2', 'a3']) {
      const out = await fleet.submit({ intentId: id, ...stack.card(false), amount: 200, terminalIndex: idx });
      assert.deepEqual([out.outcome, out.responseCode, out.failure], ['failed-reversed', '00', 'not-printed']);
    }
    assert.deepEqual(fleet.attempts().map((a) => [a.result, a.reversal?.reason]), [['approved', undefined], ['approved', '96'], ['approved', '96']]);
    assert.deepEqual([fleet.stats().receiptOwedRefusals, fleet.stats().pendingReprints], [0, 0]);
  });
});
