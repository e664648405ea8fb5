// The duplicate window's key and life: the message class is part of the key, a request the switch answered itself
// without reaching the issuer gives its key back, and the window survives a restart of the switch.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { Stack } from './support/stack';

describe('switch: the duplicate window', () => {
  let stack: Stack;
  afterEach(async () => { await stack.close(); });

  it('a refund (0220) with the STAN of an earlier sale (0200) is not a duplicate: another message class', async () => {
    stack = await Stack.start({ issuer: { duplicateCheck: false } });
    const { t, line } = await stack.signedOn(0);
    const card = stack.card(false);
    const { request: original, reply: or } = await stack.sale(t, line, card, 5_000, '000100');
    assert.equal(or?.message.fields[39], '00');
    assert.equal((await stack.sale(t, line, card, 700, '000200')).reply?.message.fields[39], '00');
    const refund = t.refundRequest(card, 1_000, { batch: t.batch, stan: String(original.fields[11]), date: String(or!.message.fields[13]), rrn: String(or!.message.fields[37]) }, '000200');
    const rr = await line.exchange(refund, t.pack(refund));
    assert.equal(rr?.message.mti, '0230');
    assert.equal(rr?.message.fields[39], '00', 'forwarded and approved, not 94');
    assert.ok(stack.ledgerFor(t.terminalId, '000200').some((e) => e.type === 'credit' && e.responseCode === '00'));
    const again = await line.exchange(refund, t.pack(refund));
    assert.equal(again?.message.fields[39], '94', 'the refund repeated is a duplicate of itself');
  });

  it('a sale answered 91 because the issuer could not be reached is not a duplicate when the terminal sends it again', async () => {
    stack = await Stack.start({ timeoutMs: 300 });
    const { t, line } = await stack.signedOn(0);
    const card = stack.card(false);
    stack.issuer.maintenance('refuse');
    await new Promise((r) => setTimeout(r, 50));
    assert.equal((await stack.sale(t, line, card, 300, '000300')).reply?.message.fields[39], '91');
    assert.equal(stack.ledgerFor(t.terminalId, '000300').length, 0, 'nothing reached the issuer');
    stack.issuer.maintenance(null);
    const { reply } = await stack.sale(t, line, card, 300, '000300');
    assert.equal(reply?.message.fields[39], '00', 'judged afresh, not 94');
    assert.equal(stack.ledgerFor(t.terminalId, '000300').length, 1);
    assert.equal((await stack.sale(t, line, card, 300, '000300')).reply?.message.fields[39], '94', 'and now it is taken');
  });

  it('survives a restart of the switch: a retransmission in the same batch is still 94 and the issuer sees the sale once', async () => {
    stack = await Stack.start({ issuer: { duplicateCheck: false } });
    const { t, line } = await stack.signedOn(0);
    const card = stack.card(false);
    const before = stack.issuer.balance(card.pan)!;
    assert.equal((await stack.sale(t, line, card, 900, '000400')).reply?.message.fields[39], '00');
    await stack.restartSwitch();
    await line.closed;
    const { t: t2, line: line2 } = await stack.signedOn(0); // the terminal signs on again (77 otherwise), same batch
    assert.equal(t2.batch, t.batch);
    const { reply } = await stack.sale(t2, line2, card, 900, '000400');
    assert.equal(reply?.message.fields[39], '94');
    assert.equal(stack.ledgerFor(t.terminalId, '000400').length, 1);
    assert.equal(stack.issuer.balance(card.pan), before - 900);
    assert.equal((await stack.sale(t2, line2, card, 900, '000401')).reply?.message.fields[39], '00', 'a new STAN is served');
    assert.match(fs.readFileSync(stack.switchConfig.safPath + '.duplicates', 'utf8'), /"t":"10000001","b":"000001","k":"020000400\d{4}"/);
  });

  it('a batch closed before the restart leaves no window behind: its STANs are new in the next batch', async () => {
    stack = await Stack.start({ issuer: { duplicateCheck: false } });
    const { t, line } = await stack.signedOn(0);
    const card = stack.card(false);
    assert.equal((await stack.sale(t, line, card, 900, '000500')).reply?.message.fields[39], '00');
    const settle = t.settlementRequest({ debitAmount: 900, debitCount: 1 });
    assert.equal(String((await line.exchange(settle, t.pack(settle)))?.message.fields[48])[30], '1');
    await stack.restartSwitch();
    const t2 = stack.terminal(0);
    t2.batch = String(Number(t.batch) + 1).padStart(6, '0');
    const line2 = await stack.line(t2);
    const so = t2.signOnRequest();
    t2.adoptSignOn((await line2.exchange(so, t2.pack(so)))!);
    assert.equal((await stack.sale(t2, line2, card, 900, '000500')).reply?.message.fields[39], '00');
  });
});
