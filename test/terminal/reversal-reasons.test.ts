import { strict as assert } from 'node:assert';
import { getDialect, MessageCodec } from '../../harness/iso8583';
import type { Fleet } from '../../harness/terminal';
import { makWatcher, remac } from './support/keys';
import { garbleMac, type Relay, type ResponseHook } from './support/relay';
import { startStack, until, type Stack } from './support/stack';

const codec = new MessageCodec(getDialect('cup-pos'));

describe('terminal fleet: reversal reasons', function () {
  this.timeout(20_000);
  let stack: Stack;
  let relay: Relay | undefined;

  beforeEach(async () => { stack = await startStack(); });
  afterEach(() => stack.close());

  async function fleetThroughRelay(hook: ResponseHook, responseMs = 500): Promise<Fleet> {
    relay = await stack.relay(hook);
    return stack.fleet({ switchAddress: { host: '127.0.0.1', port: relay.port }, timeouts: { connectMs: 1000, responseMs } });
  }

  it('98: the 0210 is lost → 0400 with the original STAN, its fields, no PIN data, reason 98; the debit is undone', async () => {
    let dropped = 0;
    const fleet = await fleetThroughRelay((msg) => (msg.mti === '0210' && dropped++ === 0 ? 'drop' : 'pass'));
    const card = stack.card(true);
    const out = await fleet.submit({ intentId: 'lost', ...card, amount: 700, terminalIndex: 0 });
    assert.equal(out.outcome, 'failed-reversed', JSON.stringify(out));
    const [a] = fleet.attempts();
    assert.equal(a.result, 'no-response');
    assert.deepEqual([a.reversal?.reason, a.reversal?.status, a.reversal?.tries, a.reversal?.ackCode], ['98', 'acknowledged', 1, '00']);
    const sale = relay!.requests.find((m) => m.mti === '0200')!;
    const rev = relay!.requests.find((m) => m.mti === '0400')!;
    assert.equal(rev.fields[11], sale.fields[11]);
    assert.equal(rev.fields[39], '98');
    for (const n of [2, 3, 4, 14, 22, 25, 41, 42, 49, 60]) assert.equal(rev.fields[n], sale.fields[n], `field ${n}`);
    assert.ok(sale.fields[52] !== undefined && rev.fields[52] === undefined && rev.fields[53] === undefined);
    assert.ok(Buffer.isBuffer(rev.fields[64]));
    const ledger = stack.issuer.ledger();
    assert.deepEqual(ledger.map((e) => e.type), ['debit', 'reversal']);
    assert.equal(stack.issuer.balance(card.pan), stack.accounts.find((x) => x.pan === card.pan)!.balance);
    assert.equal(fleet.receipts().length, 0);
  });

  it('98 from a silent issuer: the reversal waits, goes out before the next sale, and the late 0210 changes nothing', async () => {
    await stack.close();
    stack = await startStack({ issuerTimeoutMs: 1000 });
    const fleet = await stack.fleet({ timeouts: { connectMs: 1000, responseMs: 400 } });
    const order: string[] = [];
    fleet.onMessage = (m) => {
      if (m.direction === 'out') order.push(codec.unpack(m.body).mti);
    };
    stack.issuer.maintenance('silent');
    const out = await fleet.submit({ intentId: 'silent', ...stack.card(false), amount: 300, terminalIndex: 0 });
    assert.equal(out.outcome, 'failed-reversal-pending', JSON.stringify(out));
    assert.equal(fleet.stats().pendingReversals, 1);
    stack.issuer.maintenance(null);
    await until(() => fleet.stats().lateResponses >= 1); // the switch gives up on the issuer and answers the 0200 late
    assert.equal(fleet.outcomes()[0].outcome, 'failed-reversal-pending', 'the customer saw what they saw');
    const next = await fleet.submit({ intentId: 'next', ...stack.card(false), amount: 100, terminalIndex: 0 });
    assert.equal(next.outcome, 'approved-with-receipt', JSON.stringify(next));
    assert.deepEqual(order.slice(-2), ['0400', '0200'], 'the pending reversal went first');
    const first = fleet.attempts()[0];
    assert.equal(first.reversal?.status, 'acknowledged');
    assert.equal(fleet.stats().pendingReversals, 0);
  });

  it('A0: the 0210 MAC does not verify → bad-response, reversal A0, nothing printed', async () => {
    let garbled = 0;
    const fleet = await fleetThroughRelay((msg, body) => (msg.mti === '0210' && garbled++ === 0 ? garbleMac(body) : 'pass'));
    const card = stack.card(false);
    const out = await fleet.submit({ intentId: 'bad-mac', ...card, amount: 900, terminalIndex: 0 });
    assert.equal(out.outcome, 'failed-reversed', JSON.stringify(out));
    const [a] = fleet.attempts();
    assert.equal(a.result, 'bad-response');
    assert.deepEqual([a.reversal?.reason, a.reversal?.status], ['A0', 'acknowledged']);
    assert.equal(fleet.stats().badResponseMacs, 1);
    assert.equal(relay!.requests.find((m) => m.mti === '0400')?.fields[39], 'A0');
    assert.equal(fleet.receipts().length, 0);
    assert.deepEqual(stack.issuer.ledger().map((e) => e.type), ['debit', 'reversal']);
  });

  it('a response naming another STAN is not taken: counted, then reversal 98', async () => {
    const keys = makWatcher();
    const fleet = await fleetThroughRelay((msg) => {
      keys.see(msg);
      if (msg.mti !== '0210' || msg.fields[39] !== '00') return 'pass';
      return remac({ mti: msg.mti, fields: { ...msg.fields, 11: '999999' } }, keys.mak());
    });
    const out = await fleet.submit({ intentId: 'wrong-stan', ...stack.card(false), amount: 400, terminalIndex: 0 });
    assert.equal(out.outcome, 'failed-reversed', JSON.stringify(out));
    assert.equal(fleet.attempts()[0].reversal?.reason, '98');
    assert.equal(fleet.stats().lateResponses, 1);
  });

  it('a response naming another terminal (41) or of another type (MTI) is not taken either: counted, then reversal 98', async () => {
    const keys = makWatcher();
    const fleet = await fleetThroughRelay((msg) => {
      keys.see(msg);
      if (msg.mti !== '0210' || msg.fields[39] !== '00') return 'pass';
      // Validly MAC'd, so that only the MTI / 41 / 11 match can refuse them.
      const tid = String(msg.fields[41]);
      if (tid.endsWith('1')) return remac({ mti: msg.mti, fields: { ...msg.fields, 41: '29999999' } }, keys.mak(tid));
      return remac({ mti: '0230', fields: msg.fields }, keys.mak(tid));
    });
    const outs = await Promise.all([0, 1].map((i) => fleet.submit({ intentId: `w${i}`, ...stack.card(false), amount: 400 + i, terminalIndex: i })));
    assert.deepEqual(outs.map((o) => o.outcome), ['failed-reversed', 'failed-reversed'], JSON.stringify(outs));
    assert.deepEqual(fleet.attempts().map((a) => [a.result, a.reversal?.reason]), [['no-response', '98'], ['no-response', '98']]);
    assert.equal(fleet.stats().lateResponses, 2);
    assert.equal(fleet.receipts().length, 0);
  });

  it('06: approved, but the answer lacks the authorisation code, so no receipt can be made → reversal 06', async () => {
    const keys = makWatcher();
    const fleet = await fleetThroughRelay((msg) => {
      keys.see(msg);
      if (msg.mti !== '0210' || msg.fields[39] !== '00') return 'pass';
      const fields = { ...msg.fields };
      delete fields[38];
      return remac({ mti: msg.mti, fields }, keys.mak());
    });
    const out = await fleet.submit({ intentId: 'no-auth', ...stack.card(false), amount: 400, terminalIndex: 0 });
    assert.equal(out.outcome, 'failed-reversed', JSON.stringify(out));
    const [a] = fleet.attempts();
    assert.equal(a.result, 'approved');
    assert.deepEqual([a.reversal?.reason, a.reversal?.status], ['06', 'acknowledged']);
    assert.deepEqual(stack.issuer.ledger().map((e) => e.type), ['debit', 'reversal']);
  });

  it('retries exhausted: the record is kept as reversal-failed, reported, and the next sale goes ahead', async () => {
    let blackhole = true;
    const fleet = await fleetThroughRelay((msg) => (blackhole && (msg.mti === '0210' || msg.mti === '0410') ? 'drop' : 'pass'), 400);
    const card = stack.card(false);
    const out = await fleet.submit({ intentId: 'lost', ...card, amount: 800, terminalIndex: 0 });
    assert.equal(out.outcome, 'failed-reversal-pending');
    await fleet.drainReversals();
    const [a] = fleet.attempts();
    assert.deepEqual([a.reversal?.status, a.reversal?.tries], ['failed', 3]);
    assert.equal(relay!.requests.filter((m) => m.mti === '0400').length, 3);
    const s = fleet.stats();
    assert.deepEqual([s.reversalsFailed, s.failedReversals, s.pendingReversals], [1, 1, 0]);
    assert.equal(fleet.terminalInfo(0).failedReversals, 1);
    blackhole = false;
    const next = await fleet.submit({ intentId: 'next', ...card, amount: 100, terminalIndex: 0 });
    assert.equal(next.outcome, 'approved-with-receipt');
    assert.equal(relay!.requests.filter((m) => m.mti === '0400').length, 3, 'a failed reversal is not sent again');
  });

  it('a pending reversal goes out before settlement', async () => {
    let drop = true;
    const fleet = await fleetThroughRelay((msg) => (drop && (msg.mti === '0210' || msg.mti === '0410') ? 'drop' : 'pass'), 400);
    await fleet.submit({ intentId: 'lost', ...stack.card(false), amount: 800, terminalIndex: 0 });
    assert.equal(fleet.stats().pendingReversals, 1);
    drop = false;
    const r = await fleet.settle(0);
    assert.equal(r.ok, true, JSON.stringify(r));
    const mtis = relay!.requests.map((m) => m.mti);
    assert.ok(mtis.lastIndexOf('0400') < mtis.indexOf('0500'), mtis.join(' '));
    assert.equal(fleet.attempts()[0].reversal?.status, 'acknowledged');
  });
});
