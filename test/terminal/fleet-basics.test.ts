import { strict as assert } from 'node:assert';
import { startStack, type Stack } from './support/stack';

describe('terminal fleet: sign-on, sale, reversal against the real switch and issuer', function () {
  this.timeout(20_000);
  let stack: Stack;

  beforeEach(async () => {
    stack = await startStack();
  });
  afterEach(async () => {
    await stack.close();
  });

  it('signs on at the first sale, gets it approved and prints the receipt', async () => {
    const fleet = await stack.fleet();
    const card = stack.card(true);
    const out = await fleet.submit({ intentId: 'i1', ...card, amount: 1234, terminalIndex: 0 });
    assert.equal(out.outcome, 'approved-with-receipt', JSON.stringify(out));
    assert.equal(out.responseCode, '00');
    assert.equal(out.attempts, 1);
    const [a] = fleet.attempts();
    assert.equal(a.result, 'approved');
    assert.equal(a.stan, '000002', 'the sign-on took 000001');
    assert.equal(a.rrn?.length, 12);
    const [r] = fleet.receipts();
    assert.equal(r.printed, 'printed');
    assert.equal(r.rrn, a.rrn);
    assert.equal(r.panMasked, card.pan.slice(0, 6) + '*'.repeat(card.pan.length - 10) + card.pan.slice(-4));
    const ledger = stack.issuer.ledger();
    assert.equal(ledger.filter((e) => e.type === 'debit').length, 1);
  });
});
