// Toxiproxy's standard toxics measured on real loopback sockets: each one's effect, live changes, toxicity.
import { strict as assert } from 'node:assert';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import {
  collectUntilClosed, connect, echoPeer, echoRoundTrip, pattern, rawJson, readBytes, sleep, startHarness, startPeer,
  watchLoopLag, type Harness, type LoopLag, type Peer,
} from './helpers';
import { sliceLengths } from '../../proxies/toxics/slicer';
import { Prng } from '../../harness/security/prng';

describe('proxy data path: standard toxics', function () {
  // The machine is shared: load only ever makes things later, never earlier. Each attempt asserts the full, tight
  // bounds; a test is retried (fresh server and peers) so that one scheduler stall does not fail the folder, while a
  // wrong delay, rate or order fails every attempt.
  // Upper bounds also add `lag.ms`, how late the event loop itself ran during the test (0 when the machine is quiet).
  this.retries(2);
  let lag: LoopLag;
  let h: Harness;
  let echo: Peer;
  let listen: string;
  const addToxic = async (body: object) => {
    const res = await rawJson(h.server.url, 'POST', '/proxies/p/toxics', body);
    assert.equal(res.status, 200, JSON.stringify(res.json));
  };
  const baselineRtt = async (): Promise<number> => {
    const s = await connect(listen);
    let best = Infinity;
    for (let i = 0; i < 5; i++) best = Math.min(best, (await echoRoundTrip(s, 'b')).ms);
    s.destroy();
    return best;
  };

  beforeEach(async () => {
    lag = watchLoopLag();
    h = await startHarness();
    echo = await echoPeer();
    listen = (await h.toxiproxy.createProxy({ name: 'p', listen: '127.0.0.1:0', upstream: echo.address })).listen;
  });
  afterEach(async () => {
    lag.stop();
    await h.close();
    await echo.close();
  });

  it('passes bytes unchanged with no toxic and with noop', async () => {
    const s = await connect(listen);
    const data = pattern(300_000);
    assert.ok((await echoRoundTrip(s, data)).data.equals(data));
    await addToxic({ type: 'noop', stream: 'upstream' });
    await addToxic({ type: 'noop' });
    assert.ok((await echoRoundTrip(s, data)).data.equals(data));
    s.destroy();
  });

  it('latency 100 ms adds 100 ms (± a little), in either direction', async () => {
    const base = await baselineRtt();
    await addToxic({ type: 'latency', attributes: { latency: 100 } });
    // The best of three round trips: a stall only adds to one, the toxic adds to each.
    const best = async (s: Socket): Promise<number> => {
      let ms = Infinity;
      for (let i = 0; i < 3; i++) ms = Math.min(ms, (await echoRoundTrip(s, 'x')).ms);
      return ms;
    };
    const s = await connect(listen);
    const down = (await best(s)) - base;
    assert.ok(down >= 99 && down < 140 + lag.ms, `downstream latency added ${down.toFixed(1)} ms`);
    s.destroy();
    await rawJson(h.server.url, 'DELETE', '/proxies/p/toxics/latency_downstream');
    await addToxic({ type: 'latency', stream: 'upstream', attributes: { latency: 100 } });
    const s2 = await connect(listen);
    const up = (await best(s2)) - base;
    assert.ok(up >= 99 && up < 140 + lag.ms, `upstream latency added ${up.toFixed(1)} ms`);
    s2.destroy();
  });

  it('latency is measured from each chunk\'s arrival (pipelined), and two latency toxics add up', async () => {
    await addToxic({ type: 'latency', attributes: { latency: 200 } });
    const s = await connect(listen);
    const arrivals: number[] = [];
    const t0 = performance.now();
    s.on('data', () => arrivals.push(performance.now() - t0));
    for (let i = 0; i < 5; i++) {
      s.write(`m${i}`);
      await sleep(20);
    }
    await sleep(400 - (performance.now() - t0));
    assert.ok(arrivals.length >= 1);
    const last = arrivals[arrivals.length - 1];
    assert.ok(last >= 270 && last < 360 + lag.ms, `last echo at ${last.toFixed(0)} ms: not cumulative (5 × 200 would be 1000)`);
    s.destroy();
    await addToxic({ name: 'second', type: 'latency', attributes: { latency: 100 } });
    const s2 = await connect(listen);
    const both = (await echoRoundTrip(s2, 'y')).ms;
    assert.ok(both >= 299 && both < 360 + lag.ms, `chained 200 + 100 ms gave ${both.toFixed(0)} ms`);
    s2.destroy();
  });

  it('jitter spreads latency within ± jitter', async () => {
    await addToxic({ type: 'latency', attributes: { latency: 60, jitter: 30 } });
    const s = await connect(listen);
    const rtts: number[] = [];
    for (let i = 0; i < 15; i++) rtts.push((await echoRoundTrip(s, 'j')).ms);
    s.destroy();
    assert.ok(Math.min(...rtts) >= 29, `min ${Math.min(...rtts)}`);
    assert.ok(Math.max(...rtts) < 100 + lag.ms, `max ${Math.max(...rtts).toFixed(1)} (event loop lag ${lag.ms.toFixed(1)} ms)`);
    assert.ok(Math.max(...rtts) - Math.min(...rtts) > 15, `spread ${rtts.map((x) => x.toFixed(0)).join(',')}`);
  });

  it('adding, updating and removing a toxic applies at once to an open connection', async () => {
    const s = await connect(listen);
    assert.ok((await echoRoundTrip(s, 'a')).ms < 30 + lag.ms);
    await addToxic({ type: 'latency', attributes: { latency: 150 } });
    const added = (await echoRoundTrip(s, 'b')).ms;
    assert.ok(added >= 149 && added < 200 + lag.ms, `after add: ${added}`);
    await rawJson(h.server.url, 'PATCH', '/proxies/p/toxics/latency_downstream', { attributes: { latency: 60 } });
    const updated = (await echoRoundTrip(s, 'c')).ms;
    assert.ok(updated >= 59 && updated < 100 + lag.ms, `after update: ${updated} (event loop lag ${lag.ms.toFixed(1)} ms)`);
    await rawJson(h.server.url, 'DELETE', '/proxies/p/toxics/latency_downstream');
    assert.ok((await echoRoundTrip(s, 'd')).ms < 30 + lag.ms);
    s.destroy();
  });

  it('removing a latency toxic hands on the chunks it holds at once', async () => {
    await addToxic({ type: 'latency', attributes: { latency: 5000 } });
    const s = await connect(listen);
    const reading = readBytes(s, 4);
    s.write('held');
    await sleep(100);
    const t0 = performance.now();
    await rawJson(h.server.url, 'DELETE', '/proxies/p/toxics/latency_downstream');
    const { data } = await reading;
    assert.equal(data.toString(), 'held');
    assert.ok(performance.now() - t0 < 200 + lag.ms);
    s.destroy();
  });

  it('bandwidth 10 KB/s moves 50 KB in about 5 s', async function () {
    this.timeout(15_000);
    await addToxic({ type: 'bandwidth', attributes: { rate: 10 } });
    const s = await connect(listen);
    const { data, ms } = await echoRoundTrip(s, pattern(50_000));
    assert.ok(data.equals(pattern(50_000)));
    assert.ok(ms >= 4800 && ms < 5600 + lag.ms, `50 KB at 10 KB/s took ${ms.toFixed(0)} ms`);
    s.destroy();
  });

  it('slow_close delays the close after the upstream ends', async () => {
    const bye = await startPeer((sock) => sock.end('bye'));
    try {
      await rawJson(h.server.url, 'POST', '/proxies', { name: 'sc', listen: '127.0.0.1:0', upstream: bye.address });
      const sc = (await rawJson(h.server.url, 'GET', '/proxies/sc')).json as { listen: string };
      const fast = await collectUntilClosed(await connect(sc.listen));
      assert.ok(fast.atMs < 100 + lag.ms, `without the toxic: ${fast.atMs}`);
      await rawJson(h.server.url, 'POST', '/proxies/sc/toxics', { type: 'slow_close', attributes: { delay: 300 } });
      const slow = await collectUntilClosed(await connect(sc.listen));
      assert.equal(slow.bytes.toString(), 'bye');
      assert.equal(slow.how, 'end');
      assert.ok(slow.atMs >= 295 && slow.atMs < 450 + lag.ms, `with delay 300: closed at ${slow.atMs.toFixed(0)} ms`);
    } finally {
      await bye.close();
    }
  });

  it('timeout drops data and closes after that much silence; each chunk re-arms it', async () => {
    await addToxic({ type: 'timeout', stream: 'upstream', attributes: { timeout: 300 } });
    const s = await connect(listen);
    const ending = collectUntilClosed(s);
    const t0 = performance.now();
    let lastWrite = 0;
    for (let i = 0; i < 5; i++) {
      s.write('tick');
      lastWrite = performance.now() - t0; // taken at the write: a sleep that overruns on a busy machine must not count
      await sleep(100);
    }
    const end = await ending;
    assert.equal(end.how, 'end');
    const silence = end.atMs - lastWrite;
    assert.ok(silence >= 280 && silence < 420 + lag.ms, `closed ${silence.toFixed(0)} ms after the last chunk`);
    assert.equal(Buffer.concat(echo.received.flat()).length, 0, 'no byte reached the upstream');
  });

  it('timeout 0 holds the connection; removing the toxic closes it', async () => {
    await addToxic({ type: 'timeout', attributes: { timeout: 0 } });
    const s = await connect(listen);
    const ending = collectUntilClosed(s);
    s.write('anyone?');
    await sleep(300);
    assert.ok(!s.destroyed, 'still held open');
    const t0 = performance.now();
    await rawJson(h.server.url, 'DELETE', '/proxies/p/toxics/timeout_downstream');
    const end = await ending;
    assert.equal(end.how, 'end');
    assert.equal(end.bytes.length, 0, 'the echo was dropped');
    assert.ok(performance.now() - t0 < 150 + lag.ms);
  });

  it('reset_peer present at connect gives ECONNRESET after its timeout; added later it gives a FIN', async () => {
    await addToxic({ type: 'reset_peer', attributes: { timeout: 100 } });
    const s = await connect(listen);
    const ending = collectUntilClosed(s);
    s.write('x');
    const end = await ending;
    assert.deepEqual([end.how, end.code], ['error', 'ECONNRESET']);
    assert.ok(end.atMs >= 95 && end.atMs < 250 + lag.ms, `reset at ${end.atMs}`);
    await rawJson(h.server.url, 'DELETE', '/proxies/p/toxics/reset_peer_downstream');
    const s2 = await connect(listen);
    await addToxic({ type: 'reset_peer', attributes: { timeout: 0 } });
    const late = collectUntilClosed(s2);
    s2.write('y');
    assert.equal((await late).how, 'end', 'as Toxiproxy: no SO_LINGER(0) on a connection accepted before the toxic');
  });

  it('slicer splits into pieces near average_size, delay apart, bytes intact', async () => {
    const sink = await startPeer(() => undefined);
    try {
      await rawJson(h.server.url, 'POST', '/proxies', { name: 'sl', listen: '127.0.0.1:0', upstream: sink.address });
      await rawJson(h.server.url, 'POST', '/proxies/sl/toxics', { type: 'slicer', stream: 'upstream', attributes: { average_size: 100, size_variation: 20, delay: 3000 } });
      const sl = (await rawJson(h.server.url, 'GET', '/proxies/sl')).json as { listen: string };
      const s = await connect(sl.listen);
      const data = pattern(5000);
      const t0 = performance.now();
      s.write(data);
      while (Buffer.concat(sink.received[0] ?? []).length < data.length && performance.now() - t0 < 5000) await sleep(20);
      const reads = sink.received[0];
      assert.ok(Buffer.concat(reads).equals(data));
      assert.ok(reads.length >= 30, `${reads.length} reads`);
      assert.ok(performance.now() - t0 >= 100, 'pieces were delayed');
      s.destroy();
    } finally {
      await sink.close();
    }
    const rng = new Prng(5);
    const pieces = sliceLengths(50_000, 1000, 100, rng);
    assert.equal(pieces.reduce((a, b) => a + b, 0), 50_000);
    assert.ok(pieces.every((n) => n > 0 && n <= 1100));
    assert.ok(pieces.length >= 45 && pieces.length <= 120, `${pieces.length} pieces`);
  });

  it('bandwidth makes up for a stalled event loop while backlogged, so the rate holds on a busy machine', async function () {
    this.timeout(15_000);
    await addToxic({ type: 'bandwidth', attributes: { rate: 100 } });
    const s = await connect(listen);
    const trip = echoRoundTrip(s, pattern(100_000));
    // Two 300 ms stalls while 100 KB drains at 100 KB/s: without catch-up they would add 600 ms.
    const stall = (ms: number) => {
      const until = performance.now() + ms;
      while (performance.now() < until);
    };
    await sleep(200);
    stall(300);
    await sleep(150);
    stall(300);
    const { data, ms } = await trip;
    assert.ok(data.equals(pattern(100_000)));
    assert.ok(ms >= 990 && ms < 1300, `100 KB at 100 KB/s with 600 ms of stalls took ${ms.toFixed(0)} ms`);
    s.destroy();
  });

  it('a delay beyond setTimeout\'s 24.8-day limit holds instead of firing at once (timeout, carrier_drop)', async () => {
    const huge = 3_000_000_000;
    await addToxic({ name: 'hold', type: 'timeout', stream: 'upstream', attributes: { timeout: huge } });
    await addToxic({ name: 'line', type: 'carrier_drop', attributes: { min_ms: huge, mean_ms: huge } });
    const s = await connect(listen);
    const ending = collectUntilClosed(s);
    s.write('ping');
    await sleep(200);
    assert.ok(!s.destroyed && !s.readableEnded, 'a timer of 3e9 ms fired at once and closed the connection');
    assert.equal(Buffer.concat(echo.received.flat()).length, 0);
    await rawJson(h.server.url, 'DELETE', '/proxies/p/toxics/hold');
    assert.equal((await ending).how, 'end', 'removing the timeout toxic closes the held connection');
  });

  it('limit_data cuts at the byte and closes', async () => {
    await addToxic({ type: 'limit_data', attributes: { bytes: 1000 } });
    const s = await connect(listen);
    const ending = collectUntilClosed(s);
    s.write(pattern(50_000));
    const end = await ending;
    assert.equal(end.how, 'end');
    assert.ok(end.bytes.equals(pattern(50_000).subarray(0, 1000)), `got ${end.bytes.length} bytes`);
  });

  it('toxicity is drawn per connection: 0 never, 1 always, 0.5 some (the same ones for the same seed)', async () => {
    const delayed = async (): Promise<boolean[]> => {
      const out: boolean[] = [];
      for (let i = 0; i < 16; i++) {
        const s = await connect(listen);
        out.push((await echoRoundTrip(s, 't')).ms >= 40);
        s.destroy();
      }
      return out;
    };
    await addToxic({ type: 'latency', toxicity: 0, attributes: { latency: 50 } });
    assert.ok((await delayed()).every((d) => !d));
    await rawJson(h.server.url, 'PATCH', '/proxies/p/toxics/latency_downstream', { toxicity: 0.5 });
    const half = await delayed();
    const n = half.filter(Boolean).length;
    assert.ok(n >= 2 && n <= 14, `${n} of 16 delayed`);
    // Same seed, a fresh server, the same sequence of connections: the same connections are delayed.
    const h2 = await startHarness();
    const p2 = await h2.toxiproxy.createProxy({ name: 'p', listen: '127.0.0.1:0', upstream: echo.address });
    const replay: boolean[] = [];
    try {
      await rawJson(h2.server.url, 'POST', '/proxies/p/toxics', { type: 'latency', toxicity: 0.5, attributes: { latency: 50 } });
      for (let i = 0; i < 32; i++) {
        const s = await connect(p2.listen);
        replay.push((await echoRoundTrip(s, 't')).ms >= 40);
        s.destroy();
      }
    } finally {
      await h2.close();
    }
    assert.deepEqual(replay.slice(16), half, 'connections 16..31 of a fresh server with the same seed');
  });
});
