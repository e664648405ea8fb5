// posfault's POS line toxics on real sockets: line noise at a bit error rate, carrier drop, dial-up call set-up,
// and the seed that replays the same faults.
import { strict as assert } from 'node:assert';
import { performance } from 'node:perf_hooks';
import {
  collectUntilClosed, connect, echoPeer, echoRoundTrip, flippedBits, pattern, raw, rawJson, sinkPeer, sleep, startHarness,
  watchLoopLag, type Harness, type LoopLag, type Peer,
} from './helpers';

/** Sends `data` through a line_noise proxy on a fresh server with `seed`; returns the flipped bit positions. */
async function noisyEcho(seed: number | string, data: Buffer, attributes: object): Promise<{ flips: number[]; metrics: string }> {
  const h = await startHarness(seed);
  const echo = await echoPeer();
  try {
    const p = await h.toxiproxy.createProxy({ name: 'line', listen: '127.0.0.1:0', upstream: echo.address });
    await rawJson(h.server.url, 'POST', '/proxies/line/toxics', { type: 'line_noise', attributes });
    const s = await connect(p.listen);
    const { data: back } = await echoRoundTrip(s, Buffer.from(data));
    s.destroy();
    return { flips: flippedBits(data, back), metrics: (await raw(h.server.url, 'GET', '/metrics')).text };
  } finally {
    await h.close();
    await echo.close();
  }
}

describe('proxy data path: POS line toxics', function () {
  // Timing bounds are tight and load only makes things later: a test is retried after a scheduler stall, while a
  // wrong hold, delay or rate fails every attempt (see datapath-standard).
  // Upper bounds add `lag.ms`, how late the event loop ran during the test (see helpers.watchLoopLag).
  this.retries(2);
  let lag: LoopLag;
  beforeEach(() => {
    lag = watchLoopLag();
  });
  afterEach(() => lag.stop());
  it('line_noise flips about ber_ppm of the bits, and counts corrupted bytes', async () => {
    const data = pattern(100_000); // 800,000 bits; 1% → 8,000 flips expected (σ ≈ 89)
    const { flips, metrics } = await noisyEcho(7, data, { ber_ppm: 10_000 });
    assert.ok(flips.length > 7400 && flips.length < 8600, `${flips.length} bits flipped`);
    const m = /posfault_proxy_bytes_corrupted_total\{proxy="line",direction="downstream"\} (\d+)/.exec(metrics);
    assert.ok(m && Number(m[1]) > 7000 && Number(m[1]) <= flips.length, `corrupted bytes metric: ${m?.[1]}`);
  });

  it('line_noise burst_bits flips runs of consecutive bits at the same overall rate', async () => {
    const data = pattern(100_000);
    const { flips } = await noisyEcho(7, data, { ber_ppm: 10_000, burst_bits: 8 });
    assert.ok(flips.length > 7000 && flips.length < 9000, `${flips.length} bits flipped`);
    let adjacent = 0;
    for (let i = 1; i < flips.length; i++) if (flips[i] === flips[i - 1] + 1) adjacent++;
    assert.ok(adjacent / flips.length > 0.8, `${adjacent} of ${flips.length} flips follow the previous bit`);
  });

  it('the same seed corrupts the same bit positions; another seed does not', async () => {
    const data = pattern(20_000);
    const a = await noisyEcho('scenario-42', data, { ber_ppm: 2000 });
    const b = await noisyEcho('scenario-42', data, { ber_ppm: 2000 });
    const c = await noisyEcho('scenario-43', data, { ber_ppm: 2000 });
    assert.ok(a.flips.length > 100);
    assert.deepEqual(a.flips, b.flips);
    assert.notDeepEqual(a.flips, c.flips);
  });

  describe('on one proxy', () => {
    let h: Harness;
    let peer: Peer;
    let listen: string;
    const addToxic = async (body: object) => {
      const res = await rawJson(h.server.url, 'POST', '/proxies/p/toxics', body);
      assert.equal(res.status, 200, JSON.stringify(res.json));
    };
    beforeEach(async () => {
      h = await startHarness();
      peer = await echoPeer();
      listen = (await h.toxiproxy.createProxy({ name: 'p', listen: '127.0.0.1:0', upstream: peer.address })).listen;
    });
    afterEach(async () => {
      await h.close();
      await peer.close();
    });

    it('line_noise ber_ppm 0 leaves data intact', async () => {
      await addToxic({ type: 'line_noise', attributes: { ber_ppm: 0 } });
      const s = await connect(listen);
      const data = pattern(50_000);
      assert.ok((await echoRoundTrip(s, data)).data.equals(data));
      s.destroy();
    });

    it('carrier_drop hangs up after min_ms (FIN), or with an RST when rst is 1', async () => {
      await addToxic({ type: 'carrier_drop', attributes: { min_ms: 200, mean_ms: 0 } });
      const s = await connect(listen);
      const ending = collectUntilClosed(s);
      assert.equal((await echoRoundTrip(s, 'still up')).data.toString(), 'still up');
      const end = await ending;
      assert.equal(end.how, 'end');
      assert.ok(end.atMs >= 190 && end.atMs < 320 + lag.ms, `dropped at ${end.atMs.toFixed(0)} ms`);
      await rawJson(h.server.url, 'PATCH', '/proxies/p/toxics/carrier_drop_downstream', { attributes: { rst: 1, min_ms: 50 } });
      const r = await collectUntilClosed(await connect(listen));
      assert.deepEqual([r.how, r.code], ['error', 'ECONNRESET']);
      const metrics = (await raw(h.server.url, 'GET', '/metrics')).text;
      assert.match(metrics, /posfault_proxy_line_events_total\{proxy="p",event="carrier_drop"\} 2/);
    });

    it('carrier_drop holds each call a random time around min_ms + mean_ms', async () => {
      await addToxic({ type: 'carrier_drop', attributes: { min_ms: 20, mean_ms: 60 } });
      const holds = await Promise.all(Array.from({ length: 12 }, async () => (await collectUntilClosed(await connect(listen))).atMs));
      const mean = holds.reduce((a, b) => a + b, 0) / holds.length;
      assert.ok(Math.min(...holds) >= 18, `min ${Math.min(...holds)}`);
      assert.ok(mean > 35 && mean < 200, `mean hold ${mean.toFixed(0)} ms`);
      assert.ok(Math.max(...holds) - Math.min(...holds) > 20, 'holds vary');
    });

    it('dialup connect_delay_ms delays the upstream dial; bytes sent meanwhile arrive after it', async () => {
      await addToxic({ type: 'dialup', attributes: { connect_delay_ms: 200 } });
      const t0 = performance.now();
      const s = await connect(listen);
      const { data } = await echoRoundTrip(s, 'early');
      const ms = performance.now() - t0;
      assert.equal(data.toString(), 'early');
      assert.ok(ms >= 195 && ms < 300 + lag.ms, `first echo after ${ms.toFixed(0)} ms`);
      s.destroy();
    });

    it('dialup busy: the caller is accepted, then closed (FIN) before any byte, and the upstream is never dialled', async () => {
      await addToxic({ type: 'dialup', attributes: { busy_ppm: 1_000_000 } });
      const s = await connect(listen);
      s.write('hello?');
      const end = await collectUntilClosed(s);
      assert.deepEqual([end.how, end.bytes.length], ['end', 0]);
      await sleep(50);
      assert.equal(peer.received.length, 0);
      assert.match((await raw(h.server.url, 'GET', '/metrics')).text, /posfault_proxy_line_events_total\{proxy="p",event="busy"\} 1/);
    });

    it('dialup no_dial_tone: the call is reset (ECONNRESET) before any byte', async () => {
      await addToxic({ type: 'dialup', stream: 'upstream', attributes: { no_dial_tone: 1 } });
      const s = await connect(listen).catch((e: NodeJS.ErrnoException) => e);
      if (!(s instanceof Error)) {
        const end = await collectUntilClosed(s);
        assert.deepEqual([end.how, end.code, end.bytes.length], ['error', 'ECONNRESET', 0]);
      } else {
        assert.equal(s.code, 'ECONNRESET');
      }
      await sleep(50);
      assert.equal(peer.received.length, 0);
    });

    it('dialup busy_ppm 500000 makes about half the calls busy, the same calls for the same seed', async () => {
      await addToxic({ type: 'dialup', attributes: { busy_ppm: 500_000 } });
      const outcome = async (l: string): Promise<boolean> => {
        const s = await connect(l);
        const end = collectUntilClosed(s, 2000);
        s.write('x');
        const first = await Promise.race([end.then(() => 'busy'), sleep(100).then(() => 'up')]);
        s.destroy();
        await end.catch(() => undefined);
        return first === 'busy';
      };
      const run1: boolean[] = [];
      for (let i = 0; i < 16; i++) run1.push(await outcome(listen));
      const busy = run1.filter(Boolean).length;
      assert.ok(busy >= 3 && busy <= 13, `${busy} of 16 busy`);
      const h2 = await startHarness();
      try {
        const p2 = await h2.toxiproxy.createProxy({ name: 'p', listen: '127.0.0.1:0', upstream: peer.address });
        await rawJson(h2.server.url, 'POST', '/proxies/p/toxics', { type: 'dialup', attributes: { busy_ppm: 500_000 } });
        const run2: boolean[] = [];
        for (let i = 0; i < 16; i++) run2.push(await outcome(p2.listen));
        assert.deepEqual(run2, run1);
      } finally {
        await h2.close();
      }
    });
  });

  it('a sink peer sees corrupted bytes too (upstream direction)', async () => {
    const h = await startHarness(3);
    const sink = await sinkPeer();
    try {
      const p = await h.toxiproxy.createProxy({ name: 'up', listen: '127.0.0.1:0', upstream: sink.address });
      await rawJson(h.server.url, 'POST', '/proxies/up/toxics', { type: 'line_noise', stream: 'upstream', attributes: { ber_ppm: 50_000 } });
      const s = await connect(p.listen);
      const data = pattern(10_000);
      s.write(data);
      const t0 = performance.now();
      while (Buffer.concat(sink.received[0] ?? []).length < data.length && performance.now() - t0 < 3000) await sleep(10);
      const got = Buffer.concat(sink.received[0]);
      const flips = flippedBits(data, got).length;
      assert.ok(flips > 3000 && flips < 5000, `${flips} of 80,000 bits flipped at 5%`);
      s.destroy();
    } finally {
      await h.close();
      await sink.close();
    }
  });
});
