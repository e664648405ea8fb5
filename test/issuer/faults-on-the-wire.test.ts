// Faults seen from the wire: a schedule of refuse, silent and latency windows; the same modes (and answer-96)
// through the control API; latency distributions measured over the wire; a journal that can no longer write.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Registry } from 'prom-client';
import { generateAccounts, type LatencySpec } from '../../harness/issuer';
import { delay, issuerPerTest, quietLogs, refused, sale } from './helpers';

/** True when the request's bounded wait ran out with no response (silence is "nothing by then"). */
function unanswered(p: Promise<unknown>): Promise<boolean> {
  return p.then(() => false, (e: Error) => /no response within/.test(e.message));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

describe('issuer: faults on the wire', () => {
  const [card] = generateAccounts('faults-wire', 1, { pinShare: 0, balanceMin: 10_000_000, balanceMax: 10_000_000 });
  const env = issuerPerTest(() => ({ accounts: [card], seed: 'faults-wire', registry: new Registry() }));
  const { start, connect } = env;
  let stan = 0;
  const nextSale = (amount = 10) => sale(card, { stan: String(++stan).padStart(6, '0'), amount });
  quietLogs();

  it('plays a schedule of refuse, silent and latency windows: refused, unanswered, then slow, then normal', async () => {
    // Every probe stands at least 300 ms from a window's edge, so a loaded machine's late timers cannot move it
    // into the wrong window; the schedule starts when the issuer has started, and so does the clock here.
    await start({
      faults: [
        { atMs: 0, durationMs: 600, kind: 'refuse' },
        { atMs: 1200, durationMs: 1200, kind: 'silent' },
        { atMs: 3300, durationMs: 1200, kind: 'latency', latency: { kind: 'fixed', ms: 400 } },
      ],
    });
    const began = Date.now();
    const at = async (ms: number) => { await delay(Math.max(0, began + ms - Date.now())); };
    await at(150);
    assert.ok(await refused(env.issuer.port), 'refuse window: connection refused');
    await at(900);
    const c = await connect();
    assert.equal((await c.request(nextSale())).fields[39], '00', 'between windows: answered');
    await at(1500);
    assert.ok(await unanswered(c.request(nextSale(), 450)), 'silent window: no answer within 450 ms');
    await at(2700);
    const t0 = Date.now();
    assert.equal((await c.request(nextSale())).fields[39], '00', 'after the silent window: answered again');
    assert.ok(Date.now() - t0 < 380, 'no latency yet');
    await at(3600);
    const t1 = Date.now();
    assert.equal((await c.request(nextSale())).fields[39], '00');
    const slow = Date.now() - t1;
    assert.ok(slow >= 390, `latency window: answered after ${slow} ms`);
    await at(4800);
    const t2 = Date.now();
    assert.equal((await c.request(nextSale())).fields[39], '00');
    assert.ok(Date.now() - t2 < 380, 'latency window over: the setting before it is back');
    assert.equal(env.issuer.ledger().length, 4, 'the silent window applied nothing');
  });

  it('PUT /faults/maintenance silent, refuse and answer-96 each show on the wire', async () => {
    await start({ controlPort: 0 });
    const base = `http://127.0.0.1:${env.issuer.controlPort}`;
    const put = async (mode: string | null) => (await fetch(`${base}/faults/maintenance`, {
      method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode }),
    })).status;
    const c = await connect();

    assert.equal(await put('silent'), 200);
    assert.ok(await unanswered(c.request(nextSale(), 400)), 'silent: no answer within 400 ms');
    assert.equal(env.issuer.ledger().length, 0);

    assert.equal(await put('refuse'), 200);
    await delay(50);
    assert.ok(c.closed, 'refuse: the live connection was dropped');
    assert.ok(await refused(env.issuer.port), 'refuse: new connections refused');

    assert.equal(await put('answer-96'), 200);
    await delay(50);
    const c2 = await connect();
    const r = await c2.request(nextSale());
    assert.equal(r.fields[39], '96');
    assert.deepEqual(env.issuer.ledger().map((e) => [e.type, e.responseCode]), [['decline', '96']]);

    assert.equal(await put(null), 200);
    assert.equal((await c2.request(nextSale())).fields[39], '00');
  });

  for (const [name, spec] of [
    ['lognormal', { kind: 'lognormal', medianMs: 100, sigma: 0.5 }],
    ['normal', { kind: 'normal', meanMs: 100, stdDevMs: 30 }],
  ] as [string, LatencySpec][]) {
    it(`${name} latency over the wire: the median of 21 answers near 100 ms, and they spread`, async () => {
      await start();
      env.issuer.setLatency(spec);
      const c = await connect();
      const took = await Promise.all(Array.from({ length: 21 }, async () => {
        const t0 = performance.now();
        const r = await c.request(nextSale(), 5000);
        assert.equal(r.fields[39], '00');
        return performance.now() - t0;
      }));
      const m = median(took);
      // Loose: the draws are seeded, the band only absorbs the machine's load.
      assert.ok(m >= 65 && m <= 300, `median ${m.toFixed(0)} ms`);
      assert.ok(Math.max(...took) - Math.min(...took) >= 30, `spread ${Math.min(...took).toFixed(0)}..${Math.max(...took).toFixed(0)} ms: not a fixed delay`);
    });
  }

  it('answer-96 in process: every request 96, recorded as a decline, no money moved', async () => {
    await start();
    const c = await connect();
    env.issuer.maintenance('answer-96');
    assert.equal((await c.request(nextSale(500))).fields[39], '96');
    assert.equal(env.issuer.balance(card.pan), 10_000_000);
    env.issuer.maintenance(null);
    assert.equal((await c.request(nextSale(500))).fields[39], '00');
    assert.equal(env.issuer.balance(card.pan), 9_999_500);
  });

  it('a journal that cannot write (disk full): the requests waiting on it get no answer, every later one 96', async function () {
    if (!fs.existsSync('/dev/full')) this.skip();
    const full = path.join(env.journal.dir, 'full.jsonl');
    fs.symlinkSync('/dev/full', full);
    await start({ journalPath: full });
    const c = await connect();
    const waiting = await Promise.all([nextSale(100), nextSale(100), nextSale(100)].map((m) => unanswered(c.request(m, 600))));
    assert.deepEqual(waiting, [true, true, true], 'the requests whose fsync failed are never answered');
    const later = await c.request(nextSale(100));
    assert.equal(later.fields[39], '96');
    const again = await c.request(nextSale(100));
    assert.equal(again.fields[39], '96');
    assert.deepEqual(env.issuer.ledger(), [], 'nothing committed');
    const other = await connect();
    assert.equal((await other.request(nextSale(100))).fields[39], '96', 'other connections are answered too');
  });
});
