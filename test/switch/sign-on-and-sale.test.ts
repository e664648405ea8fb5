// The switch's main flows over loopback against the real issuer stub: sign-on, sale, inquiry, void, reversal,
// and the checks on who is calling.
import { strict as assert } from 'node:assert';
import { checkValue, decodeSignOnKeys, encodePinBlock } from '../../harness/security';
import { Stack } from './support/stack';
import { TestLine, TestTerminal } from './support/test-terminal';

describe('switch: sign-on and financial flows', () => {
  let stack: Stack;
  beforeEach(async () => { stack = await Stack.start(); });
  afterEach(async () => { await stack.close(); });

  it('signs a terminal on: 0810 with keys under its TMK, check values, the batch, TPDU swapped and header copied', async () => {
    const t = stack.terminal(0);
    t.batch = '000042';
    const line = await stack.line(t);
    const req = t.signOnRequest();
    const reply = await line.exchange(req, t.pack(req));
    assert.ok(reply, 'no 0810');
    const f = reply.message.fields;
    assert.equal(reply.message.mti, '0810');
    assert.equal(f[39], '00');
    assert.equal(f[60], '00000042003', 'a terminal new to the switch keeps its batch');
    assert.equal(f[41], t.terminalId);
    assert.equal(f[64], undefined, 'sign-on carries no MAC');
    assert.deepEqual(reply.tpdu, Buffer.from('6000000003', 'hex'));
    assert.deepEqual(reply.header, Buffer.from('603100000000', 'hex'));
    const keys = decodeSignOnKeys(t.tmk, f[62] as Buffer, '003'); // throws on a check-value mismatch
    assert.equal(keys.pik.length, 16);
    assert.notDeepEqual(keys.pik, keys.mak);
    assert.deepEqual((f[62] as Buffer).subarray(16, 20), checkValue(keys.pik));

    // A second sign-on gives new keys and keeps the switch's batch.
    t.batch = '000001';
    const again = t.signOnRequest();
    const reply2 = await line.exchange(again, t.pack(again));
    assert.equal(reply2?.message.fields[60], '00000042003');
    assert.notDeepEqual(decodeSignOnKeys(t.tmk, reply2!.message.fields[62] as Buffer, '003').mak, keys.mak);
  });

  it('approves a sale with a PIN: the PIN block is translated to the ZPK, the issuer debits, the 0210 is MACed', async () => {
    const { t, line } = await stack.signedOn(0);
    const card = stack.card(true);
    const before = stack.issuer.balance(card.pan)!;
    const { request, reply } = await stack.sale(t, line, card, 12_345);
    assert.ok(reply, 'no 0210');
    const f = reply.message.fields;
    assert.equal(reply.message.mti, '0210');
    assert.equal(f[39], '00');
    assert.equal(reply.macOk, true, 'response MAC verifies under the MAK');
    assert.match(String(f[37]), /^[0-9]{12}$/);
    assert.match(String(f[38]), /^\S{6}$/);
    assert.equal(f[60], request.fields[60]);
    assert.equal(stack.issuer.balance(card.pan), before - 12_345);
    const [entry] = stack.ledgerFor(t.terminalId, String(request.fields[11]));
    assert.equal(entry.type, 'debit');
    assert.equal(entry.rrn, f[37], 'the issuer saw the RRN the terminal got');
    assert.match(entry.transmissionDateTime, /^\d{10}$/);
  });

  it('passes the issuer decline through: a wrong PIN is 55', async () => {
    const { t, line } = await stack.signedOn(0);
    const card = stack.card(true);
    const request = t.saleRequest(card, 100);
    request.fields[52] = encodePinBlock(card.pin === '000000' ? '111111' : '000000', card.pan, t.keys!.pik);
    const reply = await line.exchange(request, t.pack(request));
    assert.equal(reply?.message.fields[39], '55');
  });

  it('answers a balance inquiry with field 54', async () => {
    const { t, line } = await stack.signedOn(0);
    const card = stack.card(false);
    const request = t.saleRequest(card, 0);
    request.fields[3] = '310000';
    delete request.fields[4];
    request.fields[60] = '01' + t.batch + '000';
    const reply = await line.exchange(request, t.pack(request));
    assert.equal(reply?.message.fields[39], '00');
    assert.match(String(reply?.message.fields[54]), /^1001156C\d{12}$/);
  });

  it('voids a sale of the batch: the issuer finds the original through field 90', async () => {
    const { t, line } = await stack.signedOn(0);
    const card = stack.card(false);
    const before = stack.issuer.balance(card.pan)!;
    const { request, reply } = await stack.sale(t, line, card, 5_000);
    assert.equal(reply?.message.fields[39], '00');
    const v = t.voidRequest(card, 5_000, { stan: String(request.fields[11]), rrn: String(reply!.message.fields[37]), authCode: String(reply!.message.fields[38]) });
    const vr = await line.exchange(v, t.pack(v));
    assert.equal(vr?.message.fields[39], '00');
    assert.equal(stack.issuer.balance(card.pan), before);
  });

  it('refunds part of an earlier sale with 0220 → 0230: a credit on the ledger, counted in the settlement', async () => {
    const { t, line } = await stack.signedOn(0);
    const card = stack.card(false);
    const before = stack.issuer.balance(card.pan)!;
    const { request, reply } = await stack.sale(t, line, card, 6_000);
    assert.equal(reply?.message.fields[39], '00');
    const date = String(reply!.message.fields[13]);
    const refund = t.refundRequest(card, 2_500, { batch: t.batch, stan: String(request.fields[11]), date, rrn: String(reply!.message.fields[37]) });
    const rr = await line.exchange(refund, t.pack(refund));
    assert.equal(rr?.message.mti, '0230');
    assert.equal(rr?.message.fields[39], '00');
    assert.equal(rr?.macOk, true);
    assert.equal(stack.issuer.balance(card.pan), before - 6_000 + 2_500);
    assert.ok(stack.issuer.ledger().some((e) => e.type === 'credit' && e.amount === 2_500));
    const settle = t.settlementRequest({ debitAmount: 6_000, debitCount: 1, creditAmount: 2_500, creditCount: 1 });
    const sr = await line.exchange(settle, t.pack(settle));
    assert.equal(String(sr?.message.fields[48])[30], '1');
  });

  it('answers 30 to a void without field 61 and does not forward it', async () => {
    const { t, line } = await stack.signedOn(0);
    const v = t.voidRequest(stack.card(false), 100, { stan: '000001', rrn: '000000000001', authCode: '000001' });
    delete v.fields[61];
    assert.equal((await line.exchange(v, t.pack(v)))?.message.fields[39], '30');
    assert.equal(stack.issuer.ledger().length, 0);
  });

  it('forwards a terminal reversal 0400 → 0410 and the issuer reverses the original', async () => {
    const { t, line } = await stack.signedOn(0);
    const card = stack.card(false);
    const before = stack.issuer.balance(card.pan)!;
    const { request, reply } = await stack.sale(t, line, card, 7_000);
    assert.equal(reply?.message.fields[39], '00');
    const rev = t.reversalOf(request, '96');
    const rr = await line.exchange(rev, t.pack(rev));
    assert.equal(rr?.message.mti, '0410');
    assert.equal(rr?.message.fields[39], '00');
    assert.equal(rr?.macOk, true);
    assert.equal(stack.issuer.balance(card.pan), before);
    assert.equal(stack.standingDebits(t.terminalId, String(request.fields[11])), 0);
  });

  it('answers 97 to a terminal it does not know and 03 to the wrong merchant, without reaching the issuer', async () => {
    const stranger = new TestTerminal('99999999', '898100054119999', Buffer.alloc(16, 1));
    const line = await stack.line(stranger);
    const r1 = await line.exchange(stranger.signOnRequest(), stranger.pack(stranger.signOnRequest('000001')));
    assert.equal(r1?.message.fields[39], '97');
    const t = stack.terminal(1);
    const wrongMerchant = new TestTerminal(t.terminalId, '898100054110000', t.tmk);
    const r2 = await line.exchange(wrongMerchant.signOnRequest('000001'), wrongMerchant.pack(wrongMerchant.signOnRequest('000001')));
    assert.equal(r2?.message.fields[39], '03');
    assert.equal(r2?.message.fields[62], undefined, 'no keys for the wrong merchant');
    assert.equal(stack.issuer.ledger().length, 0);
  });

  it('answers 77 to a terminal that has not signed on and to a batch that disagrees', async () => {
    const t = stack.terminal(2);
    const line = await stack.line(t);
    t.keys = { pik: Buffer.alloc(16, 3), mak: Buffer.alloc(16, 5) };
    const card = stack.card(false);
    const { reply } = await stack.sale(t, line, card, 100);
    assert.equal(reply?.message.fields[39], '77');
    const { t: t2, line: line2 } = await stack.signedOn(3);
    t2.batch = '000099';
    const { reply: r2 } = await stack.sale(t2, line2, card, 100);
    assert.equal(r2?.message.fields[39], '77');
    assert.equal(stack.issuer.ledger().length, 0);
  });

  it('serves dial-up terminals: one connection per transaction', async () => {
    const t = stack.terminal(4);
    let line = await TestLine.connect(stack.sw.port, () => t.keys?.mak);
    const so = t.signOnRequest();
    t.adoptSignOn((await line.exchange(so, t.pack(so)))!);
    await line.close();
    for (let i = 0; i < 3; i++) {
      line = await TestLine.connect(stack.sw.port, () => t.keys?.mak);
      const { reply } = await stack.sale(t, line, stack.card(false), 100 + i);
      assert.equal(reply?.message.fields[39], '00');
      await line.close();
    }
    assert.equal(stack.issuer.ledger().filter((e) => e.type === 'debit').length, 3);
  });

  it('carries many transactions in flight on one long connection, each answered to its own request', async () => {
    const { t, line } = await stack.signedOn(5);
    const card = stack.card(false);
    const replies = await Promise.all(Array.from({ length: 30 }, (_, i) => stack.sale(t, line, card, 1000 + i)));
    for (const { request, reply } of replies) {
      assert.equal(reply?.message.fields[39], '00');
      assert.equal(reply?.message.fields[4], request.fields[4], 'matched to its own request');
    }
    assert.equal(new Set(replies.map((r) => r.reply?.message.fields[37])).size, 30, 'RRNs unique');
  });
});
