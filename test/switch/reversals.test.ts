// Terminal reversals (0400) through the switch: repeated, of a sale the issuer never saw, after a restart of the
// switch (field 90 without the original's time), and a repeat sent while the first is still at the issuer.
import { strict as assert } from 'node:assert';
import { movesMoney } from '../../harness/issuer';
import { Stack } from './support/stack';

async function counter(stack: Stack, name: string): Promise<number> {
  const m = await stack.sw.registry.getSingleMetric(name)!.get();
  return m.values.reduce((s, v) => s + v.value, 0);
}

describe('switch: terminal reversals', () => {
  let stack: Stack;
  afterEach(async () => { await stack.close(); });

  it('a repeated 0400 is answered 00 twice and credits once', async () => {
    stack = await Stack.start();
    const { t, line } = await stack.signedOn(0);
    const card = stack.card(false);
    const before = stack.issuer.balance(card.pan)!;
    const { request, reply } = await stack.sale(t, line, card, 3_000);
    assert.equal(reply?.message.fields[39], '00');
    const rev = t.reversalOf(request, '98');
    for (let i = 0; i < 2; i++) {
      const r = await line.exchange(rev, t.pack(rev));
      assert.equal(r?.message.mti, '0410');
      assert.equal(r?.message.fields[39], '00');
    }
    const reversals = stack.ledgerFor(t.terminalId, String(request.fields[11])).filter((e) => e.type === 'reversal');
    assert.equal(reversals.length, 2);
    assert.equal(reversals.filter(movesMoney).length, 1, 'credited once');
    assert.equal(reversals[1].duplicateOf, reversals[0].seq);
    assert.equal(stack.issuer.balance(card.pan), before);
  });

  it('without an issuer timeout, a repeated 0400 whose first copy was lost on the issuer link goes out in its place and credits', async () => {
    // Frame 0 on the issuer link is the sale, frame 1 the first 0400 (lost), frame 2 the repeat.
    stack = await Stack.start({ safeguards: { issuerTimeout: false }, dropIssuerFrames: [1] });
    const { t, line } = await stack.signedOn(0);
    const card = stack.card(false);
    const before = stack.issuer.balance(card.pan)!;
    const { request, reply } = await stack.sale(t, line, card, 1_234);
    assert.equal(reply?.message.fields[39], '00');
    const rev = t.reversalOf(request, '98');
    assert.equal(await line.exchange(rev, t.pack(rev), 500), undefined, 'the first copy is never answered');
    const again = await line.exchange(rev, t.pack(rev), 2_000);
    assert.equal(again?.message.mti, '0410');
    assert.equal(again?.message.fields[39], '00');
    assert.equal(stack.issuer.balance(card.pan), before, 'credited');
    assert.equal(await counter(stack, 'posfault_switch_issuer_timeouts_total'), 0);
  });

  it('an 0400 for a sale the issuer never saw is answered 25 and moves nothing', async () => {
    stack = await Stack.start();
    const { t, line } = await stack.signedOn(0);
    const card = stack.card(false);
    const before = stack.issuer.balance(card.pan)!;
    const never = t.saleRequest(card, 4_000, '000777'); // built, never sent
    const rev = t.reversalOf(never, '98');
    const r = await line.exchange(rev, t.pack(rev));
    assert.equal(r?.message.mti, '0410');
    assert.equal(r?.message.fields[39], '25');
    assert.equal(r?.macOk, true);
    const [entry] = stack.ledgerFor(t.terminalId, '000777');
    assert.equal(entry.type, 'reversal');
    assert.equal(entry.originalSeq, undefined);
    assert.equal(stack.issuer.balance(card.pan), before);
  });

  it('an 0400 after a restart of the switch (no record: field 90 with zero time) still reverses the sale', async () => {
    stack = await Stack.start();
    const { t, line } = await stack.signedOn(0);
    const card = stack.card(false);
    const before = stack.issuer.balance(card.pan)!;
    const { request, reply } = await stack.sale(t, line, card, 2_600);
    assert.equal(reply?.message.fields[39], '00');
    await stack.restartSwitch();
    await line.closed;
    const { t: t2, line: line2 } = await stack.signedOn(0);
    const rev = t2.reversalOf(request, '96');
    const r = await line2.exchange(rev, t2.pack(rev));
    assert.equal(r?.message.fields[39], '00');
    const stan = String(request.fields[11]);
    const [debit] = stack.ledgerFor(t.terminalId, stan).filter((e) => e.type === 'debit');
    const reversal = stack.ledgerFor(t.terminalId, stan).find((e) => e.type === 'reversal')!;
    assert.equal(reversal.originalTransmissionDateTime, '0000000000', 'field 90 carried no time for the original');
    assert.equal(reversal.originalSeq, debit.seq);
    assert.equal(stack.issuer.balance(card.pan), before);
  });

  it('a repeated 0400 sent while the first is still at the issuer waits its turn: both answered, neither a timeout', async () => {
    stack = await Stack.start({ timeoutMs: 3000 });
    const { t, line } = await stack.signedOn(0);
    const line2 = await stack.line(t); // the same terminal on a second line, as after a redial
    const card = stack.card(false);
    const before = stack.issuer.balance(card.pan)!;
    const { request } = await stack.sale(t, line, card, 1_500);
    stack.issuer.setLatency({ kind: 'fixed', ms: 300 });
    const rev = t.reversalOf(request, '98');
    const started = Date.now();
    const first = line.exchange(rev, t.pack(rev), 5000).then((r) => ({ r, ms: Date.now() - started }));
    await new Promise((r) => setTimeout(r, 60));
    const second = line2.exchange(rev, t.pack(rev), 5000).then((r) => ({ r, ms: Date.now() - started }));
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.r?.message.fields[39], '00', `the first: ${String(a.r?.message.fields[39])} after ${a.ms} ms`);
    assert.equal(b.r?.message.fields[39], '00');
    assert.ok(b.ms >= 540, `the repeat went out after the first was answered (${b.ms} ms)`);
    assert.equal(await counter(stack, 'posfault_switch_issuer_timeouts_total'), 0);
    const reversals = stack.ledgerFor(t.terminalId, String(request.fields[11])).filter((e) => e.type === 'reversal');
    assert.equal(reversals.length, 2, 'both reached the issuer, one after the other');
    assert.equal(reversals.filter(movesMoney).length, 1);
    assert.equal(stack.issuer.balance(card.pan), before);
  });
});
