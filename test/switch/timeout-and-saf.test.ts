// The issuer-timeout and store-and-forward safeguards, on and off, and what the switch answers when the issuer
// is slow, silent, unreachable or drops the link.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import { Stack, until } from './support/stack';

describe('switch: issuer timeout and store and forward', () => {
  let stack: Stack;
  afterEach(async () => { await stack.close(); });

  it('timeout + SAF on: the issuer debited but never answered; 98 to the terminal, the SAF entry on disk first, repeats until a switch reaches the issuer', async () => {
    stack = await Stack.start({ timeoutMs: 200, swallowAfter: 1 });
    const { t, line } = await stack.signedOn(0);
    const card = stack.card(false);
    const before = stack.issuer.balance(card.pan)!;
    const started = Date.now();
    const { request, reply } = await stack.sale(t, line, card, 4_200);
    const elapsed = Date.now() - started;
    assert.equal(reply?.message.fields[39], '98');
    assert.equal(reply?.macOk, true);
    assert.ok(elapsed >= 180 && elapsed < 2000, `answered after ${elapsed} ms`);
    const journal = fs.readFileSync(stack.switchConfig.safPath, 'utf8');
    assert.match(journal, new RegExp(`"op":"add".*"stan":"${String(request.fields[11])}"`), 'queued on disk before the 98 came back');
    assert.ok(await until(() => stack.standingDebits(t.terminalId, String(request.fields[11])) === 1), 'the issuer did debit');
    const [queued] = stack.sw.safRecords();
    assert.equal(queued.initiator, 'switch');
    assert.equal(queued.reason, '98');
    assert.equal(queued.stan, request.fields[11]);
    assert.equal(queued.amount, 4_200);
    assert.equal(queued.status, 'pending');
    // The relay swallows every try; a new switch on the same SAF file reaches the issuer and finishes the job.
    assert.ok(await until(() => stack.sw.safRecords()[0].tries >= 2), 'repeats while unacknowledged');
    await stack.restartSwitch();
    assert.ok(await until(() => stack.sw.safRecords()[0]?.status === 'acknowledged'));
    const done = stack.sw.safRecords()[0];
    assert.equal(done.ackCode, '00');
    assert.ok(done.tries >= 3);
    assert.equal(stack.standingDebits(t.terminalId, String(request.fields[11])), 0);
    assert.equal(stack.issuer.balance(card.pan), before);
    const reversal = stack.ledgerFor(t.terminalId, String(request.fields[11])).find((e) => e.type === 'reversal')!;
    assert.equal(reversal.mti, '0421', 'a repeat, since tries were made before the restart');
  });

  it('gives a reversal up as failed after saf.maxTries, with the tries spaced by the backoff', async () => {
    stack = await Stack.start({ timeoutMs: 100, swallowAfter: 1, switch: { saf: { initialBackoffMs: 100, maxBackoffMs: 100, maxTries: 3, ackTimeoutMs: 50 } } });
    const { t, line } = await stack.signedOn(0);
    const started = Date.now();
    assert.equal((await stack.sale(t, line, stack.card(false), 100)).reply?.message.fields[39], '98');
    assert.ok(await until(() => stack.sw.safRecords()[0]?.status === 'failed'));
    const elapsed = Date.now() - started;
    assert.equal(stack.sw.safRecords()[0].tries, 3);
    assert.ok(elapsed >= 100 + 3 * 50 + 2 * 100 - 20, `three tries with backoff took ${elapsed} ms`);
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(stack.sw.safRecords()[0].tries, 3, 'no try after giving up');
  });

  it('repeats with a doubling backoff: the gaps between tries grow up to saf.maxBackoffMs', async () => {
    stack = await Stack.start({ timeoutMs: 100, swallowAfter: 1, switch: { saf: { initialBackoffMs: 50, maxBackoffMs: 400, maxTries: 5, ackTimeoutMs: 50 } } });
    const { t, line } = await stack.signedOn(0);
    const triedAt: number[] = [];
    let seen = 0;
    const poll = setInterval(() => {
      const tries = stack.sw.safRecords()[0]?.tries ?? 0;
      for (; seen < tries; seen++) triedAt.push(Date.now());
    }, 5);
    try {
      assert.equal((await stack.sale(t, line, stack.card(false), 100)).reply?.message.fields[39], '98');
      assert.ok(await until(() => stack.sw.safRecords()[0]?.status === 'failed', 8000));
    } finally {
      clearInterval(poll);
    }
    assert.equal(triedAt.length, 5);
    // Each gap is the 50 ms ack wait + the backoff: 50, 100, 200, 400 (capped) → about 100, 150, 250, 450 ms.
    const gaps = triedAt.slice(1).map((x, i) => x - triedAt[i]);
    for (let i = 1; i < gaps.length; i++) assert.ok(gaps[i] > gaps[i - 1] + 20, `gaps grow: ${gaps.join(', ')} ms`);
    assert.ok(gaps[0] < 300 && gaps[3] >= 420, `from about 100 to about 450 ms: ${gaps.join(', ')}`);
  });

  it('a void that timed out: its 0420 overtakes it (25), the late void is declined 12, and the settlement balances', async () => {
    stack = await Stack.start({ timeoutMs: 150 });
    const { t, line } = await stack.signedOn(0);
    const card = stack.card(false);
    const before = stack.issuer.balance(card.pan)!;
    const { request: sale, reply: sr } = await stack.sale(t, line, card, 5_500);
    assert.equal(sr?.message.fields[39], '00');
    stack.issuer.setLatency({ kind: 'fixed', ms: 600 });
    const voidReq = t.voidRequest(card, 5_500, { stan: String(sale.fields[11]), rrn: String(sr!.message.fields[37]), authCode: String(sr!.message.fields[38]) });
    const pending = line.exchange(voidReq, t.pack(voidReq));
    await new Promise((r) => setTimeout(r, 60)); // the void is at the issuer, held; what comes next is not
    stack.issuer.setLatency(null);
    const vr = await pending;
    assert.equal(vr?.message.fields[39], '98');
    assert.ok(await until(() => stack.sw.safRecords()[0]?.status === 'acknowledged'));
    assert.equal(stack.sw.safRecords()[0].ackCode, '25', 'the 0420 found no void to reverse');
    const voidStan = String(voidReq.fields[11]);
    assert.ok(await until(() => stack.ledgerFor(t.terminalId, voidStan).some((e) => e.mti === '0200')), 'the late void arrives');
    const late = stack.ledgerFor(t.terminalId, voidStan).find((e) => e.mti === '0200')!;
    assert.equal(late.responseCode, '12');
    assert.equal(late.type, 'decline');
    assert.equal(stack.issuer.balance(card.pan), before - 5_500, 'the sale stands, voided by nothing');
    const settle = t.settlementRequest({ debitAmount: 5_500, debitCount: 1 });
    const st = await line.exchange(settle, t.pack(settle));
    assert.equal(String(st?.message.fields[48])[30], '1', 'terminal, switch and issuer agree: one sale');
  });

  it('acknowledged reversals leave the queue at the next start, their records stay', async () => {
    stack = await Stack.start({ timeoutMs: 150, swallowAfter: 1 });
    const { t, line } = await stack.signedOn(0);
    const card = stack.card(false);
    const { request } = await stack.sale(t, line, card, 1_700);
    await stack.restartSwitch();
    assert.ok(await until(() => stack.sw.safRecords()[0]?.status === 'acknowledged'));
    const depth = async () => (await stack.sw.registry.getSingleMetric('posfault_switch_saf_queue_depth')!.get()).values[0].value;
    assert.equal(await depth(), 0);
    await stack.restartSwitch();
    const journal = fs.readFileSync(stack.switchConfig.safPath, 'utf8');
    assert.doesNotMatch(journal, /"op":"add"/, 'nothing left in the queue');
    assert.ok(!journal.includes(card.pan), 'the clear PAN left with the queued item');
    const records = stack.sw.safRecords();
    assert.equal(records.length, 1);
    assert.equal(records[0].status, 'acknowledged');
    assert.equal(records[0].stan, request.fields[11]);
    assert.equal(await depth(), 0);
  });

  it('SAF off: a timed-out request is answered 98 and nothing is reversed', async () => {
    stack = await Stack.start({ timeoutMs: 200, swallowAfter: 1, safeguards: { storeAndForward: false } });
    const { t, line } = await stack.signedOn(0);
    const { request, reply } = await stack.sale(t, line, stack.card(false), 4_200);
    assert.equal(reply?.message.fields[39], '98');
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(stack.sw.safRecords(), []);
    assert.doesNotMatch(fs.readFileSync(stack.switchConfig.safPath, 'utf8'), /"op":"add"/);
    assert.equal(stack.standingDebits(t.terminalId, String(request.fields[11])), 1, 'the debit stands');
  });

  it('timeout off: the switch waits for a slow issuer and passes its answer on', async () => {
    stack = await Stack.start({ timeoutMs: 100, safeguards: { issuerTimeout: false } });
    stack.issuer.setLatency({ kind: 'fixed', ms: 400 });
    const { t, line } = await stack.signedOn(0);
    const started = Date.now();
    const { reply } = await stack.sale(t, line, stack.card(false), 100);
    assert.equal(reply?.message.fields[39], '00');
    assert.ok(Date.now() - started >= 380, 'waited past the configured timeout');
  });

  it('timeout on with the same slow issuer: 98 after the timeout, and the late answer is ignored', async () => {
    stack = await Stack.start({ timeoutMs: 100 });
    stack.issuer.setLatency({ kind: 'fixed', ms: 400 });
    const { t, line } = await stack.signedOn(0);
    const started = Date.now();
    const { request, reply } = await stack.sale(t, line, stack.card(false), 100);
    assert.equal(reply?.message.fields[39], '98');
    assert.ok(Date.now() - started < 380);
    stack.issuer.setLatency(null);
    assert.ok(await until(() => stack.sw.safRecords()[0]?.status === 'acknowledged'));
    await new Promise((r) => setTimeout(r, 500)); // the late 0210 arrives and must change nothing
    assert.equal(stack.standingDebits(t.terminalId, String(request.fields[11])), 0);
    assert.equal(line.unmatched.length, 0, 'no second response to the terminal');
  });

  it('timeout off and a silent issuer: the switch waits until the terminal hangs up, and keeps serving others', async () => {
    stack = await Stack.start({ timeoutMs: 100, safeguards: { issuerTimeout: false } });
    const { t, line } = await stack.signedOn(0);
    const { t: t2, line: line2 } = await stack.signedOn(1);
    stack.issuer.maintenance('silent');
    const pending = stack.sale(t, line, stack.card(false), 100);
    await new Promise((r) => setTimeout(r, 300));
    await line.close();
    assert.equal((await pending).reply, undefined);
    stack.issuer.maintenance(null);
    const { reply } = await stack.sale(t2, line2, stack.card(false), 100);
    assert.equal(reply?.message.fields[39], '00');
    assert.deepEqual(stack.sw.safRecords(), [], 'no reversal without a timeout');
  });

  it('timeout on: a terminal that hangs up first does not stop the switch from reversing what the issuer debited', async () => {
    stack = await Stack.start({ timeoutMs: 250, swallowAfter: 1 });
    const { t, line } = await stack.signedOn(0);
    const pending = stack.sale(t, line, stack.card(false), 2_500);
    await new Promise((r) => setTimeout(r, 50));
    await line.close();
    const { request, reply } = await pending;
    assert.equal(reply, undefined);
    assert.ok(await until(() => stack.sw.safRecords().length === 1), 'queued at the timeout although the terminal was gone');
    await stack.restartSwitch();
    assert.ok(await until(() => stack.sw.safRecords()[0]?.status === 'acknowledged'));
    assert.equal(stack.standingDebits(t.terminalId, String(request.fields[11])), 0);
  });

  it('answers 91 when the issuer refuses connections; nothing is queued since nothing was sent', async () => {
    stack = await Stack.start({ timeoutMs: 300 });
    const { t, line } = await stack.signedOn(0);
    stack.issuer.maintenance('refuse');
    await new Promise((r) => setTimeout(r, 50));
    const { reply } = await stack.sale(t, line, stack.card(false), 100);
    assert.equal(reply?.message.fields[39], '91');
    assert.deepEqual(stack.sw.safRecords(), []);
    stack.issuer.maintenance(null);
    const { reply: r2 } = await stack.sale(t, line, stack.card(false), 100);
    assert.equal(r2?.message.fields[39], '00', 'reconnects once the issuer is back');
  });

  it('passes the issuer maintenance answer on (91), without a reversal', async () => {
    stack = await Stack.start({ timeoutMs: 300 });
    const { t, line } = await stack.signedOn(0);
    stack.issuer.maintenance('answer-91');
    const { reply } = await stack.sale(t, line, stack.card(false), 100);
    assert.equal(reply?.message.fields[39], '91');
    assert.deepEqual(stack.sw.safRecords(), []);
  });

  it('a link lost with a request in flight is answered 98 and reversed once the issuer is back', async () => {
    stack = await Stack.start({ timeoutMs: 5000 });
    stack.issuer.setLatency({ kind: 'fixed', ms: 300 });
    const { t, line } = await stack.signedOn(0);
    const pending = stack.sale(t, line, stack.card(false), 100);
    await new Promise((r) => setTimeout(r, 100));
    const crash = stack.issuer.crash(300);
    const { request, reply } = await pending;
    assert.equal(reply?.message.fields[39], '98');
    await crash;
    stack.issuer.setLatency(null);
    assert.ok(await until(() => stack.sw.safRecords()[0]?.status === 'acknowledged'));
    assert.equal(stack.standingDebits(t.terminalId, String(request.fields[11])), 0);
  });

  it('does not queue a reversal for an inquiry that timed out (not reversible)', async () => {
    stack = await Stack.start({ timeoutMs: 150, swallowAfter: 1 });
    const { t, line } = await stack.signedOn(0);
    const request = t.saleRequest(stack.card(false), 0);
    request.fields[3] = '310000';
    delete request.fields[4];
    request.fields[60] = '01' + t.batch + '000';
    const reply = await line.exchange(request, t.pack(request));
    assert.equal(reply?.message.fields[39], '98');
    assert.deepEqual(stack.sw.safRecords(), []);
  });
});
