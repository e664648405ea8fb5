// SAF survives a crash: the switch runs as a real child process (the CLI), queues a reversal, is killed with
// SIGKILL before the issuer acknowledges it; a new switch on the same SAF file sends the 0421 and the original
// ends reversed exactly once.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { movesMoney } from '../../harness/issuer';
import { startSwitch } from '../../harness/switch';
import { Stack, TMK_SEED, until } from './support/stack';
import { TestLine } from './support/test-terminal';

const CLI = path.join(__dirname, '..', '..', 'harness', 'cli', 'main.js');

function startCliSwitch(args: string[]): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'switch', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`no ready line; stderr: ${err}`)); }, 10_000);
    child.stderr!.on('data', (d: Buffer) => { err += d.toString(); });
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on [\d.]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]) });
      }
    });
    child.once('exit', (code) => { clearTimeout(timer); reject(new Error(`switch exited ${String(code)}: ${err}`)); });
  });
}

describe('switch: SAF survives a crash', () => {
  let stack: Stack;
  let child: ChildProcess | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child!.once('exit', r));
      child.kill('SIGKILL');
      await gone;
    }
    child = undefined;
    await stack.close();
  });

  it('a switch killed with SIGKILL before the ack: the restarted switch repeats it (0421), the original ends reversed exactly once', async () => {
    stack = await Stack.start({ swallowAfter: 1 });
    await stack.sw.close(); // this test's first switch is the child process, on the same SAF file
    const safPath = stack.switchConfig.safPath;
    const started = await startCliSwitch([
      '--port', '0', '--issuer', `127.0.0.1:${stack.relay!.port}`, '--seed', TMK_SEED, '--terminals', '10000001:50',
      '--saf', safPath, '--issuer-timeout-ms', '200',
    ]);
    child = started.child;
    const t = stack.terminal(7);
    const line = await TestLine.connect(started.port, () => t.keys?.mak);
    stack.lines.push(line);
    const so = t.signOnRequest();
    t.adoptSignOn((await line.exchange(so, t.pack(so)))!);
    const card = stack.card(false);
    const before = stack.issuer.balance(card.pan)!;
    const request = t.saleRequest(card, 3_300);
    const reply = await line.exchange(request, t.pack(request));
    assert.equal(reply?.message.fields[39], '98');
    const stan = String(request.fields[11]);
    // The relay passed the sale and lost its answer: the issuer debited (its fsync may finish after the 98).
    assert.ok(await until(() => stack.ledgerFor(t.terminalId, stan).some((e) => e.type === 'debit' && movesMoney(e))), 'the issuer debited; its answer was lost');

    // Killed once the first 0420 has been tried (its try is on disk), before any acknowledgement can come.
    assert.ok(await until(() => /"op":"update".*"tries":1/.test(fs.readFileSync(safPath, 'utf8'))));
    const gone = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await gone;

    stack.sw = await startSwitch({ ...stack.switchConfig, issuer: { ...stack.switchConfig.issuer, port: stack.issuer.port }, safPath });
    assert.ok(await until(() => stack.sw.safRecords()[0]?.status === 'acknowledged'), 'acknowledged after the restart');
    const records = stack.sw.safRecords();
    assert.equal(records.length, 1, 'one reversal queued, across the restart');
    const [record] = records;
    assert.equal(record.stan, stan);
    assert.equal(record.initiator, 'switch');
    assert.equal(record.ackCode, '00');
    assert.ok(record.tries >= 2, `the restarted switch repeated the reversal (tries ${record.tries})`);

    // Whichever of the 0420 (if it ever got through) or the 0421 reached the issuer first reversed the debit;
    // every other reversal of it is a recorded repeat that moved nothing.
    const entries = stack.ledgerFor(t.terminalId, stan);
    const debits = entries.filter((e) => e.type === 'debit' && movesMoney(e));
    assert.equal(debits.length, 1, 'one debit');
    const reversals = entries.filter((e) => e.type === 'reversal');
    const applied = reversals.filter(movesMoney);
    assert.equal(applied.length, 1, `reversed exactly once: ${JSON.stringify(reversals.map((e) => [e.mti, e.responseCode, e.originalSeq, e.duplicateOf]))}`);
    assert.ok(applied[0].mti === '0420' || applied[0].mti === '0421', applied[0].mti);
    assert.equal(applied[0].originalSeq, debits[0].seq);
    assert.equal(applied[0].rrn, debits[0].rrn);
    assert.ok(reversals.every((e) => e === applied[0] || e.duplicateOf === applied[0].seq), 'every other reversal is a repeat of the applied one');
    assert.ok(reversals.some((e) => e.mti === '0421'), 'the restarted switch sent a repeat (0421)');
    assert.equal(stack.issuer.balance(card.pan), before);
  });

  it('the duplicate window survives SIGKILL: the retransmission to the restarted switch is 94, the issuer debits once', async () => {
    stack = await Stack.start({ issuer: { duplicateCheck: false } });
    await stack.sw.close();
    const safPath = stack.switchConfig.safPath;
    const started = await startCliSwitch([
      '--port', '0', '--issuer', `127.0.0.1:${stack.issuer.port}`, '--seed', TMK_SEED, '--terminals', '10000001:50', '--saf', safPath,
    ]);
    child = started.child;
    const t = stack.terminal(3);
    const line = await TestLine.connect(started.port, () => t.keys?.mak);
    stack.lines.push(line);
    const so = t.signOnRequest();
    t.adoptSignOn((await line.exchange(so, t.pack(so)))!);
    const card = stack.card(false);
    const sale = t.saleRequest(card, 2_200, '000042');
    assert.equal((await line.exchange(sale, t.pack(sale)))?.message.fields[39], '00');
    const gone = new Promise((r) => child!.once('exit', r));
    child.kill('SIGKILL');
    await gone;

    stack.sw = await startSwitch({ ...stack.switchConfig, safPath });
    const t2 = stack.terminal(3);
    const line2 = await stack.line(t2);
    const so2 = t2.signOnRequest();
    t2.adoptSignOn((await line2.exchange(so2, t2.pack(so2)))!);
    const again = t2.saleRequest(card, 2_200, '000042');
    assert.equal((await line2.exchange(again, t2.pack(again)))?.message.fields[39], '94');
    assert.equal(stack.ledgerFor(t.terminalId, '000042').length, 1, 'the issuer saw the sale once');
  });

  it('a switch closed with a sale in flight at the issuer queues its reversal before it stops', async () => {
    stack = await Stack.start({ timeoutMs: 5000 });
    stack.issuer.setLatency({ kind: 'fixed', ms: 300 });
    const { t, line } = await stack.signedOn(0);
    const pending = stack.sale(t, line, stack.card(false), 1_200);
    await new Promise((r) => setTimeout(r, 100));
    await stack.sw.close();
    const { request } = await pending;
    const [queued] = stack.sw.safRecords();
    assert.equal(queued?.stan, request.fields[11]);
    assert.equal(queued.status, 'pending');
    await new Promise((r) => setTimeout(r, 300)); // the issuer applies the sale meanwhile
    stack.issuer.setLatency(null);
    await stack.restartSwitch();
    assert.ok(await until(() => stack.sw.safRecords()[0]?.status === 'acknowledged'));
    assert.equal(stack.standingDebits(t.terminalId, String(request.fields[11])), 0);
  });

  it('a switch closed before the ack leaves the reversal pending in the file, and the next one finishes it', async () => {
    stack = await Stack.start({ swallowAfter: 1, timeoutMs: 150 });
    const { t, line } = await stack.signedOn(0);
    const { request, reply } = await stack.sale(t, line, stack.card(false), 1_100);
    assert.equal(reply?.message.fields[39], '98');
    await stack.sw.close();
    assert.equal(stack.sw.safRecords()[0].status, 'pending');
    await stack.restartSwitch();
    assert.ok(await until(() => stack.sw.safRecords()[0]?.status === 'acknowledged'));
    assert.equal(stack.standingDebits(t.terminalId, String(request.fields[11])), 0);
  });
});
