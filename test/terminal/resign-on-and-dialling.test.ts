import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { getDialect } from '../../harness/iso8583';
import { dialFailureOf } from '../../harness/terminal/line';
import { makWatcher, remac, unmaced } from './support/keys';
import { type Relay } from './support/relay';
import { startStack, type Stack } from './support/stack';

describe('terminal fleet: signing on again, dialling, spreading the load', function () {
  this.timeout(20_000);
  let stack: Stack;
  let relay: Relay | undefined;

  beforeEach(async () => { stack = await startStack(); });
  afterEach(() => stack.close());

  it("a dialect's own re-sign-on code (Z9) makes the terminal sign on again; cup-pos's list does not have it", async () => {
    const dialect = { ...getDialect('cup-pos'), name: 'acquirer-z9', signOnAgainCodes: ['A0', '77', 'Z9'] };
    const file = path.join(stack.dir, 'acquirer-z9.json');
    fs.writeFileSync(file, JSON.stringify(dialect));
    let z9 = 0;
    relay = await stack.relay((msg) => (msg.mti === '0210' && z9++ < 2 ? unmaced(msg.mti, { ...msg.fields, 39: 'Z9' }) : 'pass'));
    const via = { switchAddress: { host: '127.0.0.1', port: relay.port } };
    const fleet = await stack.fleet({ ...via, dialect: file });
    const out = await fleet.submit({ intentId: 'z', ...stack.card(false), amount: 10, terminalIndex: 0 });
    assert.deepEqual([out.outcome, out.responseCode], ['declined', 'Z9']);
    assert.equal(fleet.stats().signOns, 2);
    const plain = await stack.fleet(via);
    const pout = await plain.submit({ intentId: 'p', ...stack.card(false), amount: 10, terminalIndex: 1 });
    assert.equal(pout.responseCode, 'Z9', 'the control fleet did get a Z9');
    assert.equal(plain.stats().signOns, 1, 'Z9 means nothing to cup-pos');
  });

  it('a 0410 answering A0 or 77 makes the terminal sign on before the next try; the reversal then goes through', async () => {
    const rewrite = ['A0', '77'];
    relay = await stack.relay((msg) => {
      if (msg.mti === '0210') return 'drop';
      if (msg.mti === '0410' && rewrite.length > 0) return unmaced(msg.mti, { ...msg.fields, 39: rewrite.shift()! });
      return 'pass';
    });
    const fleet = await stack.fleet({ switchAddress: { host: '127.0.0.1', port: relay.port }, timeouts: { responseMs: 400 } });
    const out = await fleet.submit({ intentId: 'r', ...stack.card(false), amount: 500, terminalIndex: 0 });
    assert.equal(out.outcome, 'failed-reversal-pending');
    await fleet.drainReversals();
    const rev = fleet.attempts()[0].reversal!;
    assert.deepEqual([rev.status, rev.tries, rev.ackCode], ['acknowledged', 3, '00']);
    assert.equal(fleet.stats().signOns, 3, 'signed on again after A0 and after 77');
    assert.deepEqual(relay.requests.map((m) => m.mti), ['0800', '0200', '0400', '0800', '0400', '0800', '0400']);
  });

  it('a 0410 answering 25 (original not found) with a valid MAC is a done reversal', async () => {
    const keys = makWatcher();
    relay = await stack.relay((msg) => {
      keys.see(msg);
      if (msg.mti === '0210') return 'drop';
      if (msg.mti === '0410') return remac({ mti: msg.mti, fields: { ...msg.fields, 39: '25' } }, keys.mak());
      return 'pass';
    });
    const fleet = await stack.fleet({ switchAddress: { host: '127.0.0.1', port: relay.port }, timeouts: { responseMs: 400 } });
    const out = await fleet.submit({ intentId: 'n', ...stack.card(false), amount: 600, terminalIndex: 0 });
    assert.equal(out.outcome, 'failed-reversed');
    const rev = fleet.attempts()[0].reversal!;
    assert.deepEqual([rev.status, rev.tries, rev.ackCode], ['acknowledged', 1, '25']);
    assert.equal(fleet.stats().pendingReversals, 0);
  });

  it('a 0510 answering 77 makes the terminal sign on again; the next settlement goes through', async () => {
    let once = true;
    relay = await stack.relay((msg) => {
      if (msg.mti !== '0510' || !once) return 'pass';
      once = false;
      return unmaced(msg.mti, { ...msg.fields, 39: '77' });
    });
    const fleet = await stack.fleet({ switchAddress: { host: '127.0.0.1', port: relay.port } });
    await fleet.submit({ intentId: 's', ...stack.card(false), amount: 10, terminalIndex: 0 });
    const first = await fleet.settle(0);
    assert.deepEqual([first.ok, first.responseCode, first.failure], [false, '77', 'declined']);
    assert.equal(fleet.stats().signOns, 2);
    // The switch had closed batch 000001 all the same (only its answer was changed): the sign-on moved the terminal
    // to 000002, whose totals do not hold the sale of 000001.
    const second = await fleet.settle(0);
    assert.deepEqual([second.ok, second.batch, second.reconciliation, second.totals.debitCount], [true, '000002', '1', 0], JSON.stringify(second));
  });

  it('a dial failure is failed-not-sent (nothing was sent, nothing to reverse), and each redial waits delayMs', async () => {
    const calls: number[] = [];
    const busy = net.createServer((s) => {
      calls.push(Date.now());
      s.destroy();
    });
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    try {
      const port = (busy.address() as net.AddressInfo).port;
      const fleet = await stack.fleet({ mode: 'dialup', switchAddress: { host: '127.0.0.1', port }, timeouts: { carrierMs: 100 }, redial: { maxTries: 2, delayMs: 200 } });
      const out = await fleet.submit({ intentId: 'b', ...stack.card(false), amount: 10, terminalIndex: 0 });
      assert.deepEqual([out.outcome, out.failure, out.responseCode], ['failed-not-sent', 'sign-on-failed', undefined]);
      assert.equal(fleet.stats().dialFailures['line-busy'], 2);
      assert.equal(calls.length, 2);
      assert.ok(calls[1] - calls[0] >= 190, `the redial waited ${calls[1] - calls[0]} ms`);
    } finally {
      await new Promise((r) => busy.close(r));
    }
    relay = await stack.relay();
    const signedOn = await stack.fleet({ mode: 'dialup', switchAddress: { host: '127.0.0.1', port: relay.port }, redial: { maxTries: 1, delayMs: 0 } });
    assert.equal((await signedOn.signOn(0)).ok, true);
    await relay.close(); // nobody answers any more: ECONNREFUSED
    relay = undefined;
    const out = await signedOn.submit({ intentId: 'c', ...stack.card(false), amount: 10, terminalIndex: 0 });
    assert.deepEqual([out.outcome, out.failure, out.attempts], ['failed-not-sent', 'dial-failed', 1]);
    assert.equal(signedOn.attempts()[0].result, 'dial-failed');
    assert.equal(signedOn.stats().pendingReversals, 0);
  });

  it('connect errors map to what a modem reports: unreachable networks and hosts are no dial tone', () => {
    for (const code of ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL', 'ENOTFOUND']) assert.equal(dialFailureOf(code), 'no-dial-tone', code);
    assert.equal(dialFailureOf('ETIMEDOUT'), 'connect-timeout');
    for (const code of ['ECONNRESET', 'EPIPE', undefined]) assert.equal(dialFailureOf(code), 'line-busy', String(code));
  });

  it('intents without a terminal go to the terminal free longest (round robin), not always the same one', async () => {
    const fleet = await stack.fleet();
    for (let i = 0; i < 10; i++) await fleet.submit({ intentId: `f${i}`, ...stack.card(false), amount: 10 + i });
    assert.deepEqual(fleet.attempts().map((a) => a.terminalIndex), [0, 1, 2, 3, 4, 5, 6, 7, 0, 1]);
  });
});
