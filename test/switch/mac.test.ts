// The MAC safeguard on and off, and the switch that changed keys (rotateKeys).
import { strict as assert } from 'node:assert';
import { Stack } from './support/stack';

describe('switch: MAC verification safeguard', () => {
  let stack: Stack;
  afterEach(async () => { await stack.close(); });

  it('on: a request with a bad MAC is answered A0 and never reaches the issuer', async () => {
    stack = await Stack.start();
    const { t, line } = await stack.signedOn(0);
    const request = t.saleRequest(stack.card(false), 100);
    const reply = await line.exchange(request, t.pack(request, Buffer.alloc(16, 0x11)));
    assert.equal(reply?.message.fields[39], 'A0');
    assert.equal(stack.issuer.ledger().length, 0);
    // Missing field 64 altogether: also A0.
    const bare = t.saleRequest(stack.card(false), 100);
    const r2 = await line.exchange(bare, (await import('./support/test-terminal')).terminalCodec.pack(bare));
    assert.equal(r2?.message.fields[39], 'A0');
    assert.equal(stack.issuer.ledger().length, 0);
  });

  it('on: after rotateKeys the terminal gets A0 until it signs on again', async () => {
    stack = await Stack.start();
    const { t, line } = await stack.signedOn(0);
    assert.throws(() => stack.sw.rotateKeys('10000049'), /not signed on/);
    stack.sw.rotateKeys(t.terminalId);
    const { reply } = await stack.sale(t, line, stack.card(false), 100);
    assert.equal(reply?.message.fields[39], 'A0');
    assert.equal(reply?.macOk, false, 'the A0 is MACed with the key the terminal does not have');
    const so = t.signOnRequest();
    t.adoptSignOn((await line.exchange(so, t.pack(so)))!);
    const { reply: r2 } = await stack.sale(t, line, stack.card(false), 100);
    assert.equal(r2?.message.fields[39], '00');
    assert.equal(r2?.macOk, true);
  });

  it('off: a request with a bad MAC goes to the issuer and is debited; after rotateKeys the response MAC fails at the terminal', async () => {
    stack = await Stack.start({ safeguards: { macVerification: false } });
    const { t, line } = await stack.signedOn(0);
    const request = t.saleRequest(stack.card(false), 100);
    const reply = await line.exchange(request, t.pack(request, Buffer.alloc(16, 0x11)));
    assert.equal(reply?.message.fields[39], '00');
    assert.equal(stack.standingDebits(t.terminalId, String(request.fields[11])), 1);
    stack.sw.rotateKeys(t.terminalId);
    const { request: r2req, reply: r2 } = await stack.sale(t, line, stack.card(false), 200);
    assert.equal(r2?.message.fields[39], '00');
    assert.equal(r2?.macOk, false, 'the terminal cannot verify the response');
    assert.equal(stack.standingDebits(t.terminalId, String(r2req.fields[11])), 1);
  });

  it('can be switched off and on at runtime', async () => {
    stack = await Stack.start();
    const { t, line } = await stack.signedOn(0);
    stack.sw.setSafeguard('macVerification', false);
    const a = t.saleRequest(stack.card(false), 100);
    assert.equal((await line.exchange(a, t.pack(a, Buffer.alloc(16, 0x22))))?.message.fields[39], '00');
    stack.sw.setSafeguard('macVerification', true);
    const b = t.saleRequest(stack.card(false), 100);
    assert.equal((await line.exchange(b, t.pack(b, Buffer.alloc(16, 0x22))))?.message.fields[39], 'A0');
    assert.throws(() => stack.sw.setSafeguard('bogus' as never, true), /unknown safeguard/);
  });
});
