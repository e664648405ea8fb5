// The duplicate-detection safeguard on and off: same terminal, STAN and date within the batch.
import { strict as assert } from 'node:assert';
import { Stack, until } from './support/stack';

describe('switch: duplicate detection safeguard', () => {
  let stack: Stack;
  afterEach(async () => { await stack.close(); });

  it('on: a repeated STAN is answered 94 and the issuer sees the sale once', async () => {
    stack = await Stack.start({ issuer: { duplicateCheck: false } });
    const { t, line } = await stack.signedOn(0);
    const card = stack.card(false);
    const before = stack.issuer.balance(card.pan)!;
    const { reply } = await stack.sale(t, line, card, 900, '000777');
    assert.equal(reply?.message.fields[39], '00');
    const { reply: again } = await stack.sale(t, line, card, 900, '000777');
    assert.equal(again?.message.fields[39], '94');
    assert.equal(again?.macOk, true);
    assert.equal(stack.ledgerFor(t.terminalId, '000777').length, 1);
    assert.equal(stack.issuer.balance(card.pan), before - 900);
  });

  it('on: a repeat sent while the original is still in flight is also 94', async () => {
    stack = await Stack.start({ issuer: { duplicateCheck: false } });
    stack.issuer.setLatency({ kind: 'fixed', ms: 150 });
    const { t, line } = await stack.signedOn(0);
    const card = stack.card(false);
    const first = t.saleRequest(card, 900, '000778');
    const repeat = t.saleRequest(card, 900, '000778');
    // Both responses share MTI + 41 + 11, so the test terminal collects them unmatched.
    line.send(t.pack(first));
    line.send(t.pack(repeat));
    assert.ok(await until(() => line.unmatched.length === 2));
    assert.deepEqual(line.unmatched.map((r) => r.message.fields[39]), ['94', '00'], 'the repeat is answered at once, the original after the issuer');
    assert.equal(stack.ledgerFor(t.terminalId, '000778').length, 1);
  });

  it('off: the repeat goes to the issuer and is debited again', async () => {
    stack = await Stack.start({ safeguards: { duplicateDetection: false }, issuer: { duplicateCheck: false } });
    const { t, line } = await stack.signedOn(0);
    const card = stack.card(false);
    const before = stack.issuer.balance(card.pan)!;
    assert.equal((await stack.sale(t, line, card, 900, '000777')).reply?.message.fields[39], '00');
    assert.equal((await stack.sale(t, line, card, 900, '000777')).reply?.message.fields[39], '00');
    assert.equal(stack.standingDebits(t.terminalId, '000777'), 2);
    assert.equal(stack.issuer.balance(card.pan), before - 1800);
  });

  it('the window is per batch: after settlement the same STAN is new again', async () => {
    stack = await Stack.start({ issuer: { duplicateCheck: false } });
    const { t, line } = await stack.signedOn(0);
    const card = stack.card(false);
    assert.equal((await stack.sale(t, line, card, 900, '000777')).reply?.message.fields[39], '00');
    const settle = t.settlementRequest({ debitAmount: 900, debitCount: 1 });
    const sr = await line.exchange(settle, t.pack(settle));
    assert.equal(String(sr?.message.fields[48])[30], '1');
    t.batch = String(Number(t.batch) + 1).padStart(6, '0');
    assert.equal((await stack.sale(t, line, card, 900, '000777')).reply?.message.fields[39], '00');
  });
});
