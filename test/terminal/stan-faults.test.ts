import { strict as assert } from 'node:assert';
import { VirtualPrinter } from '../../harness/printers';
import { startStack, type Stack } from './support/stack';

describe('terminal fleet: STAN faults', function () {
  this.timeout(20_000);
  let stack: Stack;

  beforeEach(async () => {
    stack = await startStack();
  });
  afterEach(async () => {
    await stack.close();
  });

  it('a STAN counter reset to an earlier value repeats a STAN: the switch answers 94, nothing is reversed', async () => {
    const fleet = await stack.fleet();
    const card = stack.card(false);
    const first = await fleet.submit({ intentId: 'a', ...card, amount: 150, terminalIndex: 0 });
    assert.equal(first.outcome, 'approved-with-receipt');
    const stan = fleet.attempts()[0].stan;
    fleet.resetStan(0, Number(stan));
    const dup = await fleet.submit({ intentId: 'b', ...card, amount: 150, terminalIndex: 0 });
    assert.deepEqual([dup.outcome, dup.responseCode], ['declined', '94']);
    assert.equal(fleet.attempts()[1].stan, stan);
    assert.equal(fleet.stats().pendingReversals, 0);
    assert.equal(stack.issuer.ledger().filter((e) => e.type === 'debit').length, 1);
    const next = await fleet.submit({ intentId: 'c', ...card, amount: 150, terminalIndex: 0 });
    assert.equal(next.outcome, 'approved-with-receipt');
  });

  it('a repeated STAN the switch lets through: two journal entries, the reversal marks the right one, both survive a restart', async () => {
    await stack.close();
    stack = await startStack({ switch: { safeguards: { duplicateDetection: false } } });
    const printer = new VirtualPrinter({ paper: 1 });
    const storePath = stack.fleetConfig().storePath;
    const fleet = await stack.fleet({ storePath, printers: { sink: () => printer, onNotPrinted: 'reverse' } });
    const card = stack.card(false);
    assert.equal((await fleet.submit({ intentId: 'a', ...card, amount: 100, terminalIndex: 0 })).outcome, 'approved-with-receipt');
    const stan = fleet.attempts()[0].stan;
    fleet.resetStan(0, Number(stan));
    // Approved under the same STAN (another amount, so the issuer's own duplicate check lets it through too); no
    // paper left, so it is reversed with 96.
    const b = await fleet.submit({ intentId: 'b', ...card, amount: 200, terminalIndex: 0 });
    assert.deepEqual([b.outcome, fleet.attempts()[1].stan, fleet.attempts()[1].reversal?.reason], ['failed-reversed', stan, '96']);
    const journal = (f: typeof fleet) => f.terminalInfo(0).journal.map((e) => [e.stan, e.amount, e.status]);
    assert.deepEqual(journal(fleet), [[stan, 100, 'ok'], [stan, 200, 'reversed']]);
    await fleet.close();
    const again = await stack.fleet({ storePath, printers: { sink: () => printer, onNotPrinted: 'reverse' } });
    assert.deepEqual(journal(again), [[stan, 100, 'ok'], [stan, 200, 'reversed']], 'the store kept both');
    const r = await again.settle(0);
    assert.deepEqual([r.ok, r.reconciliation, r.totals.debitAmount, r.totals.debitCount], [true, '1', 100, 1], JSON.stringify(r));
  });

  it('the STAN wraps from 999999 to 000001', async () => {
    const fleet = await stack.fleet();
    await fleet.signOn(0);
    fleet.resetStan(0, 999_999);
    await fleet.submit({ intentId: 'w1', ...stack.card(false), amount: 10, terminalIndex: 0 });
    await fleet.submit({ intentId: 'w2', ...stack.card(false), amount: 10, terminalIndex: 0 });
    assert.deepEqual(fleet.attempts().map((a) => a.stan), ['999999', '000001']);
    assert.throws(() => fleet.resetStan(0, 0), /STAN must be an integer from 1 to 999999/);
    assert.throws(() => fleet.resetStan(99, 1), /terminal index/);
  });

  it('two terminals sharing one terminal id: the second sign-on takes the keys (A0 for the first), STANs collide (94)', async () => {
    const fleet = await stack.fleet({ sharedIds: [[0, 1]] });
    assert.equal(fleet.terminalInfo(1).terminalId, fleet.terminalInfo(0).terminalId);
    assert.equal(fleet.terminalInfo(1).merchantId, fleet.terminalInfo(0).merchantId);
    const card = stack.card(false);
    assert.equal((await fleet.submit({ intentId: 'a', ...card, amount: 10, terminalIndex: 0 })).outcome, 'approved-with-receipt');
    const clone = await fleet.submit({ intentId: 'b', ...card, amount: 10, terminalIndex: 1 });
    assert.deepEqual([clone.outcome, clone.responseCode], ['declined', '94'], 'its own counter repeats the STAN of the first');
    assert.equal(fleet.attempts()[1].stan, fleet.attempts()[0].stan);
    const first = await fleet.submit({ intentId: 'c', ...card, amount: 10, terminalIndex: 0 });
    assert.deepEqual([first.outcome, first.responseCode], ['declined', 'A0'], 'the clone signed on with new keys');
  });
});
