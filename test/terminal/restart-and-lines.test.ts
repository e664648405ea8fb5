import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { getDialect, MessageCodec } from '../../harness/iso8583';
import { startRelay, type Relay } from './support/relay';
import { startStack, until, type Stack } from './support/stack';

const codec = new MessageCodec(getDialect('cup-pos'));


describe('terminal fleet: restart, dial-up and long connections', function () {
  this.timeout(20_000);
  let stack: Stack;
  let relay: Relay | undefined;

  afterEach(async () => {
    await stack.close();
    await relay?.close();
    relay = undefined;
  });

  it('state survives a restart mid-transaction: the pending reversal from the store goes out first', async () => {
    stack = await startStack();
    relay = await startRelay(stack.sw.port, (msg) => (msg.mti === '0210' ? 'drop' : 'pass'));
    const storePath = stack.fleetConfig().storePath;
    const first = await stack.fleet({ storePath, switchAddress: { host: '127.0.0.1', port: relay.port }, timeouts: { responseMs: 10_000 } });
    const card = stack.card(true);
    const pending = first.submit({ intentId: 'cut', ...card, amount: 777, terminalIndex: 0 });
    await until(() => relay!.requests.some((m) => m.mti === '0200' && m.fields[4] === '000000000777'));
    await first.close(); // power cut: the 0200 is out, its answer never came
    const seen = await pending;
    assert.equal(seen.outcome, 'failed-reversal-pending');
    const stanBefore = first.attempts().find((a) => a.intentId === 'cut')!.stan;

    const second = await stack.fleet({ storePath });
    const order: string[] = [];
    second.onMessage = (m) => {
      if (m.direction === 'out') {
        const msg = codec.unpack(m.body);
        order.push(`${msg.mti}:${msg.fields[11]}`);
      }
    };
    const restored = second.attempts();
    assert.equal(restored.length, 1, 'the request in flight is reported again');
    const cut = restored.find((a) => a.intentId === 'cut')!;
    assert.deepEqual([cut.stan, cut.reversal?.status, cut.reversal?.reason], [stanBefore, 'pending', '98']);
    assert.equal(second.stats().pendingReversals, 1);
    assert.equal(second.terminalInfo(0).signedOn, true, 'the working keys survived');
    assert.equal(second.terminalInfo(0).stan, stanBefore);
    const next = await second.submit({ intentId: 'after', ...card, amount: 10, terminalIndex: 0 });
    assert.equal(next.outcome, 'approved-with-receipt');
    assert.deepEqual(order.map((o) => o.slice(0, 4)), ['0400', '0200']);
    assert.equal(order[0], `0400:${stanBefore}`);
    assert.equal(Number(order[1].slice(5)), Number(stanBefore) + 1, 'the STAN counter carried on');
    assert.equal(cut.reversal?.status, 'acknowledged');
    await second.drainReversals();
    assert.equal(second.stats().pendingReversals, 0);
    const mine = stack.issuer.ledger().filter((e) => e.amount === 777);
    assert.deepEqual(mine.map((e) => e.type), ['debit', 'reversal']);
  });

  it('a power cut (SIGKILL) after the 0200 left: the fsynced reversal record is found and sent first', async () => {
    stack = await startStack();
    relay = await startRelay(stack.sw.port, (msg) => (msg.mti === '0210' ? 'drop' : 'pass'));
    const storePath = stack.fleetConfig().storePath;
    const card = stack.card(false);
    const child = spawn(process.execPath, [
      path.join(__dirname, 'support', 'crash-child.js'),
      JSON.stringify({ port: relay.port, storePath, pan: card.pan, expiry: card.expiry, amount: 4242 }),
    ], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        if (d.toString().includes('sent')) resolve();
      });
      child.once('exit', () => reject(new Error('the child ended before sending')));
    });
    await until(() => stack.issuer.ledger().some((e) => e.amount === 4242 && e.type === 'debit'));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const fleet = await stack.fleet({ storePath });
    const [restored] = fleet.attempts();
    assert.deepEqual([restored.intentId, restored.amount, restored.reversal?.reason, restored.reversal?.status], ['power-cut', 4242, '98', 'pending']);
    await fleet.drainReversals();
    assert.equal(restored.reversal?.status, 'acknowledged');
    assert.deepEqual(stack.issuer.ledger().filter((e) => e.amount === 4242).map((e) => e.type), ['debit', 'reversal']);
  });

  it('a power cut while the approved sale is printing (reverse policy): after the restart it is reversed and not counted in the batch', async () => {
    stack = await startStack();
    const storePath = stack.fleetConfig().storePath;
    const card = stack.card(false);
    const child = spawn(process.execPath, [
      path.join(__dirname, 'support', 'crash-child.js'),
      JSON.stringify({ port: stack.sw.port, storePath, pan: card.pan, expiry: card.expiry, amount: 5151, stuckPrinter: true }),
    ], { stdio: ['ignore', 'pipe', 'inherit'] });
    let said = '';
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        said += d.toString();
        if (said.includes('printing')) resolve();
      });
      child.once('exit', () => reject(new Error('the child ended before printing')));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    assert.deepEqual(stack.issuer.ledger().filter((e) => e.amount === 5151).map((e) => [e.type, e.responseCode]), [['debit', '00']]);
    const fleet = await stack.fleet({ storePath });
    const [restored] = fleet.attempts();
    assert.deepEqual([restored.intentId, restored.reversal?.reason, restored.reversal?.status], ['power-cut', '98', 'pending']);
    assert.deepEqual(fleet.terminalInfo(0).journal.map((e) => [e.kind, e.status]), [['sale', 'reversed']], 'a sale being reversed is not counted');
    const r = await fleet.settle(0);
    assert.deepEqual([r.ok, r.reconciliation, r.totals.debitCount, r.uploaded], [true, '1', 0, 0], JSON.stringify(r));
    assert.equal(restored.reversal?.status, 'acknowledged', 'the reversal went out before the settlement');
    assert.deepEqual(stack.issuer.ledger().filter((e) => e.amount === 5151).map((e) => e.type), ['debit', 'reversal']);
  });

  it('the store is rewritten as a snapshot while running, and reopens to the same state', async () => {
    stack = await startStack();
    const storePath = stack.fleetConfig().storePath;
    const fleet = await stack.fleet({ storePath, storeCompactBytes: 2000 });
    const card = stack.card(false);
    for (let i = 0; i < 6; i++) await fleet.submit({ intentId: `k${i}`, ...card, amount: 10 + i, terminalIndex: 3 });
    assert.ok(fleet.stats().storeCompactions >= 1);
    const info = fleet.terminalInfo(3);
    await fleet.close();
    const again = await stack.fleet({ storePath });
    assert.deepEqual(again.terminalInfo(3), info);
    assert.equal((await again.submit({ intentId: 'k6', ...card, amount: 99, terminalIndex: 3 })).outcome, 'approved-with-receipt');
    assert.equal(again.stats().signOns, 0, 'the keys came back from the store');
  });

  it('dial-up: one call per transaction; line busy and no dial tone are dial failures, redialled', async () => {
    stack = await startStack({ switch: { maxLines: 1 } });
    const fleet = await stack.fleet({ mode: 'dialup', redial: { maxTries: 2, delayMs: 10 }, timeouts: { carrierMs: 20 } });
    const card = stack.card(false);
    assert.equal((await fleet.submit({ intentId: 'd1', ...card, amount: 10, terminalIndex: 0 })).outcome, 'approved-with-receipt');
    assert.equal(fleet.stats().dials, 2, 'sign-on and sale each dialled');
    // The switch must have seen the terminal's hang-up before the hog takes the only line, and the hog's call before
    // the terminal dials again.
    await until(async () => (await stack.linesInUse()) === 0);
    const hog = net.connect(stack.sw.port, '127.0.0.1');
    await new Promise((r) => hog.once('connect', r));
    await until(async () => (await stack.linesInUse()) === 1);
    const busy = await fleet.submit({ intentId: 'd2', ...card, amount: 10, terminalIndex: 0 });
    assert.deepEqual([busy.outcome, busy.failure, busy.attempts], ['failed-not-sent', 'dial-failed', 1]);
    assert.equal(fleet.attempts()[1].result, 'dial-failed');
    assert.equal(fleet.stats().dialFailures['line-busy'], 2);
    assert.equal(fleet.stats().pendingReversals, 0, 'nothing was sent, nothing to reverse');
    hog.destroy();
    await until(async () => (await stack.linesInUse()) === 0);
    assert.equal((await fleet.submit({ intentId: 'd3', ...card, amount: 10, terminalIndex: 0 })).outcome, 'approved-with-receipt');

    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const nowhere = await stack.fleet({ mode: 'dialup', switchAddress: { host: '127.0.0.1', port: deadPort }, redial: { maxTries: 3, delayMs: 5 } });
    const r = await nowhere.signOn(0);
    assert.deepEqual([r.ok, r.reason], [false, 'no-dial-tone']);
    assert.equal(nowhere.stats().dialFailures['no-dial-tone'], 3);
  });

  it('dial-up: a switch that never answers the call is a connect timeout', async function () {
    stack = await startStack();
    // A listener in a stopped process with a full accept queue: the kernel drops further SYNs, so a call
    // neither connects nor is refused.
    const child = spawn(process.execPath, ['-e', "const s=require('net').createServer().listen({port:0,host:'127.0.0.1',backlog:1},()=>{console.log(s.address().port);process.kill(process.pid,'SIGSTOP')})"], { stdio: ['ignore', 'pipe', 'inherit'] });
    const hogs: net.Socket[] = [];
    try {
      const port = await new Promise<number>((resolve) => child.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
      for (let i = 0; i < 4; i++) {
        const s = net.connect(port, '127.0.0.1');
        s.on('error', () => undefined);
        hogs.push(s);
      }
      await new Promise((r) => setTimeout(r, 100));
      const fleet = await stack.fleet({ mode: 'dialup', switchAddress: { host: '127.0.0.1', port }, timeouts: { connectMs: 150 }, redial: { maxTries: 2, delayMs: 10 } });
      const t0 = Date.now();
      const r = await fleet.signOn(0);
      assert.deepEqual([r.ok, r.reason], [false, 'connect-timeout']);
      assert.equal(fleet.stats().dialFailures['connect-timeout'], 2);
      assert.ok(Date.now() - t0 >= 300, 'two calls, each given 150 ms');
    } finally {
      for (const s of hogs) s.destroy();
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    }
  });

  it('long connection: one connection carries many transactions', async () => {
    stack = await startStack();
    const fleet = await stack.fleet({ mode: 'long' });
    const card = stack.card(false);
    for (let i = 0; i < 5; i++) await fleet.submit({ intentId: `l${i}`, ...card, amount: 10 + i, terminalIndex: 2 });
    assert.equal(fleet.stats().dials, 1);
    assert.equal(fleet.outcomes().filter((o) => o.outcome === 'approved-with-receipt').length, 5);
  });

  it('long connection hung up by the switch while idle: the next transaction dials again', async () => {
    stack = await startStack({ switch: { idleTimeoutMs: 150 } });
    const fleet = await stack.fleet({ mode: 'long' });
    const card = stack.card(false);
    assert.equal((await fleet.submit({ intentId: 'h1', ...card, amount: 10, terminalIndex: 4 })).outcome, 'approved-with-receipt');
    await until(async () => (await stack.linesInUse()) === 0); // the switch hung up the idle line
    await new Promise((r) => setTimeout(r, 50)); // and the terminal's side heard it
    assert.equal((await fleet.submit({ intentId: 'h2', ...card, amount: 10, terminalIndex: 4 })).outcome, 'approved-with-receipt');
    assert.equal(fleet.stats().dials, 2);
    assert.equal(fleet.stats().pendingReversals, 0);
  });

  it('intents without a terminal go to free terminals; more intents than terminals wait their turn', async () => {
    stack = await startStack({ terminals: 3 });
    const fleet = await stack.fleet({ mode: 'long' });
    const card = stack.card(false);
    const outs = await Promise.all(Array.from({ length: 12 }, (_, i) => fleet.submit({ intentId: `q${i}`, ...card, amount: 100 + i })));
    assert.ok(outs.every((o) => o.outcome === 'approved-with-receipt'), JSON.stringify(outs));
    const used = new Set(fleet.attempts().map((a) => a.terminalIndex));
    assert.equal(used.size, 3);
    assert.equal(fleet.stats().inFlight, 0);
    assert.equal(stack.issuer.ledger().filter((e) => e.type === 'debit').length, 12);
  });
});
