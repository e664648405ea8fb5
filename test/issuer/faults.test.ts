import { strict as assert } from 'node:assert';
import { generateAccounts, type IssuerConfig } from '../../harness/issuer';
import { delay, IssuerClient, issuerPerTest, quietLogs, refused, reversal, sale } from './helpers';

describe('issuer: faults', () => {
  const [card] = generateAccounts('faults', 1, { pinShare: 0, balanceMin: 1_000_000, balanceMax: 1_000_000 });
  const env = issuerPerTest(() => ({ accounts: [card], seed: 'faults-test' }));
  quietLogs();

  async function start(extra: Partial<IssuerConfig> = {}): Promise<IssuerClient> {
    await env.start(extra);
    return env.connect();
  }

  it('maintenance answer-91: every request answered 91, recorded as a decline, no money moved; then normal again', async () => {
    const c = await start();
    env.issuer.maintenance('answer-91');
    assert.equal((await c.request(sale(card, { stan: '000001', amount: 100 }))).fields[39], '91');
    assert.equal((await c.request(reversal(card, { mti: '0420', stan: '000001', amount: 100 }))).fields[39], '91');
    env.issuer.maintenance(null);
    assert.equal(env.issuer.balance(card.pan), 1_000_000);
    assert.deepEqual(env.issuer.ledger().map((e) => [e.type, e.responseCode]), [['decline', '91'], ['decline', '91']]);
    // 91 is transient: the same request after the window is judged afresh, and the 0420 left no tombstone.
    assert.equal((await c.request(sale(card, { stan: '000001', amount: 100 }))).fields[39], '00');
  });

  it('maintenance silent: requests are read and never answered; nothing applied', async () => {
    const c = await start();
    env.issuer.maintenance('silent');
    await assert.rejects(c.request(sale(card, { stan: '000001', amount: 100 }), 300), /no response/);
    env.issuer.maintenance(null);
    assert.equal(env.issuer.ledger().length, 0);
    assert.equal((await c.request(sale(card, { stan: '000002', amount: 100 }))).fields[39], '00');
  });

  it('maintenance refuse: connections dropped and refused, accepted again on the same port after', async () => {
    const c = await start();
    const port = env.issuer.port;
    env.issuer.maintenance('refuse');
    await delay(30);
    assert.ok(c.closed, 'the live connection was dropped');
    assert.ok(await refused(port));
    env.issuer.maintenance(null);
    await delay(30);
    const again = await env.connect();
    assert.equal((await again.request(sale(card, { stan: '000001', amount: 100 }))).fields[39], '00');
  });

  it('fixed latency delays answers by about that much', async () => {
    const c = await start();
    env.issuer.setLatency({ kind: 'fixed', ms: 150 });
    const t0 = Date.now();
    await c.request(sale(card, { stan: '000001', amount: 100 }));
    const took = Date.now() - t0;
    assert.ok(took >= 145 && took < 1000, `took ${took} ms`);
    env.issuer.setLatency(null);
    const t1 = Date.now();
    await c.request(sale(card, { stan: '000002', amount: 100 }));
    assert.ok(Date.now() - t1 < 145);
  });

  it('a latency window lets a reversal overtake its original: tombstone, then the original is declined', async () => {
    const c = await start();
    env.issuer.setLatency({ kind: 'uniform', minMs: 200, maxMs: 200 });
    const original = c.request(sale(card, { stan: '000001', amount: 700 }));
    await delay(20);
    env.issuer.setLatency(null);
    const rev = await c.request(reversal(card, { stan: '000001', amount: 700 }));
    assert.equal(rev.fields[39], '25');
    assert.equal((await original).fields[39], '12');
    assert.equal(env.issuer.balance(card.pan), 1_000_000);
  });

  it('rejects a bad latency spec or decline share with a clear error and keeps the old one', async () => {
    const c = await start();
    env.issuer.setLatency({ kind: 'fixed', ms: 60 });
    assert.throws(() => env.issuer.setLatency({ kind: 'uniform', minMs: 10, maxMs: 5 }), /minMs must not exceed maxMs/);
    assert.throws(() => env.issuer.setDeclineShare(1.5), /decline share/);
    assert.throws(() => env.issuer.setDeclineShare(0.5, 'abc'), /response code/);
    assert.throws(() => env.issuer.maintenance('sleepy' as never), /maintenance mode/);
    const t0 = Date.now();
    assert.equal((await c.request(sale(card, { stan: '000001', amount: 10 }))).fields[39], '00', 'no decline share was set');
    assert.ok(Date.now() - t0 >= 55, 'the latency stayed');
  });

  it('declines a share of sales with the given code, reproducibly from the seed', async () => {
    async function run(): Promise<string[]> {
      const c = await start();
      env.issuer.setDeclineShare(0.5, '05');
      const codes: string[] = [];
      for (let i = 1; i <= 40; i++) codes.push(String((await c.request(sale(card, { stan: String(i).padStart(6, '0'), amount: 10 }))).fields[39]));
      await env.reset();
      return codes;
    }
    const a = await run();
    const b = await run();
    assert.deepEqual(a, b);
    const declined = a.filter((x) => x === '05').length;
    assert.ok(declined > 8 && declined < 32, `${declined} of 40 declined`);
    assert.ok(a.every((x) => x === '00' || x === '05'));
  });

  it('plays a schedule: an answer-91 window, then normal; declines at share 1 in a later window', async () => {
    const c = await start({
      faults: [
        { atMs: 0, durationMs: 250, kind: 'answer-91' },
        { atMs: 400, durationMs: 200, kind: 'declines', share: 1, code: '96' },
      ],
    });
    await delay(20);
    assert.equal((await c.request(sale(card, { stan: '000001', amount: 10 }))).fields[39], '91');
    await delay(300);
    assert.equal((await c.request(sale(card, { stan: '000002', amount: 10 }))).fields[39], '00');
    await delay(150);
    assert.equal((await c.request(sale(card, { stan: '000003', amount: 10 }))).fields[39], '96');
    await delay(250);
    assert.equal((await c.request(sale(card, { stan: '000004', amount: 10 }))).fields[39], '00');
  });

  it('crash and restart in process: connections dropped, state rebuilt from the journal, acknowledged debits kept', async () => {
    const c = await start();
    for (let i = 1; i <= 5; i++) assert.equal((await c.request(sale(card, { stan: String(i).padStart(6, '0'), amount: 1_000 }))).fields[39], '00');
    await c.request(reversal(card, { stan: '000009', amount: 1_000 })); // a tombstone, to survive too
    const crashed = env.issuer.crash(100);
    await delay(20);
    assert.ok(c.closed);
    assert.ok(await refused(env.issuer.port));
    await crashed;
    const c2 = await env.connect();
    assert.equal(env.issuer.balance(card.pan), 995_000);
    assert.equal((await c2.request(sale(card, { stan: '000009', amount: 1_000 }))).fields[39], '12', 'the tombstone survived');
    assert.equal((await c2.request(sale(card, { stan: '000001', amount: 1_000 }))).fields[39], '00', 'a repeat, recognised from the journal');
    assert.equal(env.issuer.balance(card.pan), 995_000);
    assert.equal(env.issuer.ledger().length, 8);
  });

  it('a scheduled crash takes the issuer down for durationMs', async () => {
    const c = await start({ faults: [{ atMs: 50, durationMs: 200, kind: 'crash' }] });
    await c.request(sale(card, { stan: '000001', amount: 1_000 }));
    await delay(120);
    assert.ok(await refused(env.issuer.port));
    await delay(250);
    const c2 = await env.connect();
    assert.equal((await c2.request(sale(card, { stan: '000002', amount: 1_000 }))).fields[39], '00');
    assert.equal(env.issuer.balance(card.pan), 998_000);
  });
});
