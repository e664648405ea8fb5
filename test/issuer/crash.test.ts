// kill -9 mid-load on a real `posfault issuer` child process: every acknowledged debit must be in the journal.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { generateAccounts, movesMoney, readJournal } from '../../harness/issuer';
import { cardRef } from '../../harness/security/card';
import { collect, IssuerClient, sale, tempJournal } from './helpers';

const cli = path.join(__dirname, '..', '..', 'harness', 'cli', 'main.js');

function startChild(args: string[]): Promise<{ child: ChildProcess; port: number; controlPort: number }> {
  const child = spawn(process.execPath, [cli, 'issuer', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, POSFAULT_LOG: 'error' } });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`issuer did not get ready: ${err}`));
    }, 10_000);
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /issuer listening on 127\.0\.0\.1:(\d+) control 127\.0\.0\.1:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, port: Number(m[1]), controlPort: Number(m[2]) });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`issuer exited with ${code}: ${err}`));
    });
  });
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('issuer: durability across kill -9 (child process)', function () {
  this.timeout(30_000);
  const seed = 'crash-test';
  const accounts = generateAccounts(seed, 20); // as `--seed crash-test --count 20` makes them
  let j: ReturnType<typeof tempJournal>;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    j = tempJournal();
  });
  afterEach(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all(children.map(exited));
    children.length = 0;
    j.cleanup();
  });

  it('finds every acknowledged debit after SIGKILL mid-load, and a restarted issuer agrees with the journal', async () => {
    const args = ['--journal', j.dir, '--seed', seed, '--count', '20', '--port', '0', '--control-port', '0'];
    const first = await startChild(args);
    children.push(first.child);
    const clients = await Promise.all([0, 1, 2, 3].map(() => IssuerClient.connect(first.port)));
    const acked = new Map<string, string>(); // terminal|stan → auth code
    let killed = false;
    const deadline = Date.now() + 10_000;
    const worker = async (c: IssuerClient, w: number) => {
      for (let i = 1; i <= 1_000 && !killed && Date.now() < deadline; i++) {
        const tid = `T000000${w}`;
        const stan = String(i).padStart(6, '0');
        try {
          const r = await c.request(sale(accounts[(w * 7 + i) % accounts.length], { stan, amount: 100 + i, tid }), 3_000);
          if (r.fields[39] === '00') acked.set(`${tid}|${stan}`, String(r.fields[38]));
          if (acked.size >= 400 && !killed) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        } catch {
          return; // the connection died with the process
        }
      }
    };
    await Promise.all(clients.map((c, w) => worker(c, w)));
    for (const c of clients) c.close();
    assert.ok(killed, `the load reached ${acked.size} acknowledgements before its bounds`);
    assert.equal((await exited(first.child)).signal, 'SIGKILL');

    const journal = await collect(readJournal(j.dir));
    const debits = new Map(journal.filter((e) => e.type === 'debit' && movesMoney(e)).map((e) => [`${e.terminalId}|${e.stan}`, e.authCode]));
    for (const [key, auth] of acked) assert.equal(debits.get(key), auth, `acknowledged debit ${key} is in the journal`);
    assert.deepEqual(journal.map((e) => e.seq), journal.map((_, i) => i + 1), 'seqs run without a gap');

    const second = await startChild(args);
    children.push(second.child);
    for (const a of accounts.slice(0, 5)) {
      const spent = journal.filter((e) => movesMoney(e) && e.cardRef === cardRef(a.pan)).reduce((s, e) => s + e.amount, 0);
      const r = (await (await fetch(`http://127.0.0.1:${second.controlPort}/accounts/${a.pan}/balance`)).json()) as { balance: number };
      assert.equal(r.balance, a.balance - spent, 'balance rebuilt from the journal');
    }
    second.child.kill('SIGTERM');
    assert.equal((await exited(second.child)).code, 0, 'SIGTERM is a clean stop');
  });
});
