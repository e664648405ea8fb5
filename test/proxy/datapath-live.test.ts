// Live toxicity changes on open connections, per-direction draws, chain order, slicer memory, and seed replay of
// carrier_drop holds and slicer pieces; toxics are programmed through toxiproxy-node-client where it can say it.
import { strict as assert } from 'node:assert';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Proxy } from 'toxiproxy-node-client';
import {
  collectUntilClosed, connect, echoPeer, echoRoundTrip, pattern, raw, readBytes, sleep, startHarness, startPeer,
  watchLoopLag, type Harness, type LoopLag, type Peer,
} from './helpers';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

async function withProxy<T>(seed: number | string, upstream: string, fn: (h: Harness, proxy: Proxy) => Promise<T>): Promise<T> {
  const h = await startHarness(seed);
  try {
    return await fn(h, await h.toxiproxy.createProxy({ name: 'p', listen: '127.0.0.1:0', upstream }));
  } finally {
    await h.close();
  }
}

describe('proxy data path: live changes, draws and order', function () {
  this.retries(2); // timing bounds: a scheduler stall may fail one attempt, a wrong behaviour fails all (see datapath-standard)
  let lag: LoopLag;
  let echo: Peer;
  beforeEach(async () => {
    lag = watchLoopLag();
    echo = await echoPeer();
  });
  afterEach(async () => {
    lag.stop();
    await echo.close();
  });

  it('a toxicity update that redraws a timeout toxic keeps its held connection open; only removal closes', () =>
    withProxy(1, echo.address, async (_h, proxy) => {
      const toxic = await proxy.addToxic({ name: 'hold', type: 'timeout', stream: 'downstream', toxicity: 1, attributes: { timeout: 0 } });
      const s = await connect(proxy.listen);
      const ending = collectUntilClosed(s);
      s.write('dropped');
      await sleep(100);
      const off = await toxic.update({ ...toxic.toJson(), toxicity: 0 });
      assert.equal((await echoRoundTrip(s, 'passes now')).data.toString(), 'passes now', 'the connection survived the redraw');
      const on = await off.update({ ...off.toJson(), toxicity: 1 });
      s.write('dropped again');
      await sleep(100);
      assert.ok(!s.readableEnded && !s.destroyed);
      await on.remove();
      const end = await ending;
      assert.equal(end.how, 'end', 'removal closes the held connection');
      assert.equal(end.bytes.toString(), 'passes now');
    }));

  it('limit_data keeps its byte count on the connection across toxicity redraws', () =>
    withProxy(1, echo.address, async (_h, proxy) => {
      const toxic = await proxy.addToxic({ name: 'cap', type: 'limit_data', stream: 'downstream', toxicity: 1, attributes: { bytes: 1000 } });
      const s = await connect(proxy.listen);
      const data = pattern(1200);
      assert.ok((await echoRoundTrip(s, data.subarray(0, 600))).data.equals(data.subarray(0, 600)));
      const off = await toxic.update({ ...toxic.toJson(), toxicity: 0 });
      await off.update({ ...off.toJson(), toxicity: 1 });
      const ending = collectUntilClosed(s);
      s.write(data.subarray(600));
      const end = await ending;
      assert.equal(end.how, 'end');
      assert.ok(end.bytes.equals(data.subarray(600, 1000)), `${end.bytes.length} more bytes: the count restarted at 0`);
    }));

  it('toxicity is drawn per direction: latency 0.5 on both streams gives every combination', async () => {
    const arrivals: number[] = [];
    const timedEcho = await startPeer((sock) => sock.on('data', (d) => { arrivals.push(performance.now()); sock.write(d); }));
    try {
      await withProxy(1, timedEcho.address, async (_h, proxy) => {
        for (const stream of ['upstream', 'downstream'] as const) {
          await proxy.addToxic({ name: stream, type: 'latency', stream, toxicity: 0.5, attributes: { latency: 60, jitter: 0 } });
        }
        const seen = new Set<string>();
        for (let i = 0; i < 24; i++) {
          const s = await connect(proxy.listen);
          const t0 = performance.now();
          const { ms } = await echoRoundTrip(s, 'd');
          const up = arrivals[arrivals.length - 1] - t0;
          seen.add(`${up >= 40 ? 'up' : '-'}/${ms - up >= 40 ? 'down' : '-'}`);
          s.destroy();
        }
        assert.deepEqual([...seen].sort(), ['-/-', '-/down', 'up/-', 'up/down']);
      });
    } finally {
      await timedEcho.close();
    }
  });

  it('chain order matters: line_noise before limit_data corrupts what limit_data then cuts away', async () => {
    const sink = await startPeer(() => undefined);
    try {
      const corrupted = async (first: object, second: object): Promise<{ bytes: number; corrupted: number }> =>
        withProxy(4, sink.address, async (h, proxy) => {
          await proxy.addToxic(first as never);
          await proxy.addToxic(second as never);
          const s = await connect(proxy.listen);
          const ending = collectUntilClosed(s);
          s.write(pattern(20_000));
          await ending;
          const m = /posfault_proxy_bytes_corrupted_total\{proxy="p",direction="upstream"\} (\d+)/.exec((await raw(h.server.url, 'GET', '/metrics')).text);
          const got = sink.received[sink.received.length - 1];
          return { bytes: Buffer.concat(got).length, corrupted: m ? Number(m[1]) : 0 };
        });
      const limit = { name: 'limit', type: 'limit_data', stream: 'upstream', toxicity: 1, attributes: { bytes: 1000 } };
      const noise = { name: 'noise', type: 'line_noise', stream: 'upstream', toxicity: 1, attributes: { ber_ppm: 100_000, burst_bits: 1 } };
      const limitFirst = await corrupted(limit, noise);
      const noiseFirst = await corrupted(noise, limit);
      assert.deepEqual([limitFirst.bytes, noiseFirst.bytes], [1000, 1000]);
      assert.ok(limitFirst.corrupted > 0 && limitFirst.corrupted <= 1000, `limit first: ${limitFirst.corrupted} bytes corrupted`);
      assert.ok(noiseFirst.corrupted > 2000, `noise first: ${noiseFirst.corrupted} bytes corrupted`);
    } finally {
      await sink.close();
    }
  });

  // 1 MiB in 1-byte pieces 10 µs apart takes about 10 s to leave: meanwhile the slicer holds it. Held as one Buffer
  // view per piece it took over 100 MB of heap; held whole, well under a MB.
  it('slicer average_size 1 holding 1 MiB keeps memory bounded; a slicer facing a stalled reader resumes and delivers all', async function () {
    this.timeout(30_000);
    const readers: Socket[] = [];
    const stalled = await startPeer((sock) => { sock.pause(); readers.push(sock); });
    try {
      await withProxy(1, stalled.address, async (_h, proxy) => {
        await proxy.addToxic({ name: 'tiny', type: 'slicer', stream: 'upstream', toxicity: 1, attributes: { average_size: 1, size_variation: 0, delay: 10 } });
        gc();
        const before = process.memoryUsage().heapUsed;
        const s = await connect(proxy.listen);
        const data = pattern(1024 * 1024);
        s.write(data);
        await sleep(1000);
        gc();
        const grown = (process.memoryUsage().heapUsed - before) / 1e6;
        assert.ok(grown < 16, `heap grew ${grown.toFixed(0)} MB holding 1 MiB cut into 1-byte pieces`);
        s.destroy();
      });
      await proxyReadsAll(stalled, readers);
    } finally {
      await stalled.close();
    }
  });

  /** 4 MiB through slicer 64 into a latency stage of 300 ms, read by a reader stalled for 300 ms: the latency stage
   *  holds more than its 16k-piece bound and pauses the link, so the slicer must wait for room, then wake and
   *  deliver everything, in order. */
  async function proxyReadsAll(peer: Peer, readers: Socket[]): Promise<void> {
    await withProxy(1, peer.address, async (_h, proxy) => {
      await proxy.addToxic({ name: 'cut', type: 'slicer', stream: 'upstream', toxicity: 1, attributes: { average_size: 64, size_variation: 16, delay: 0 } });
      await proxy.addToxic({ name: 'hold', type: 'latency', stream: 'upstream', toxicity: 1, attributes: { latency: 300 } });
      const s = await connect(proxy.listen);
      const data = pattern(4 * 1024 * 1024);
      s.write(data);
      await sleep(300);
      const reader = readers[readers.length - 1];
      const got = readBytes(reader, data.length, 20_000);
      reader.resume();
      assert.ok((await got).data.equals(data));
      s.destroy();
    });
  }

  it('reset_peer removed after it fired still resets when its timeout is up (the wait cannot be called off)', () =>
    withProxy(1, echo.address, async (_h, proxy) => {
      const toxic = await proxy.addToxic({ name: 'rst', type: 'reset_peer', stream: 'upstream', toxicity: 1, attributes: { timeout: 300 } });
      const s = await connect(proxy.listen);
      const ending = collectUntilClosed(s, 3000);
      s.write('x');
      await sleep(50);
      await toxic.remove();
      const end = await ending;
      assert.deepEqual([end.how, end.code], ['error', 'ECONNRESET']);
      assert.ok(end.atMs >= 290 && end.atMs < 450 + lag.ms, `reset at ${end.atMs.toFixed(0)} ms`);
    }));

  it('the same seed replays carrier_drop hold times; another seed does not', async () => {
    const holds = async (seed: string): Promise<number[]> =>
      withProxy(seed, echo.address, async (_h, proxy) => {
        await proxy.addToxic({ name: 'line', type: 'carrier_drop' as never, stream: 'downstream', toxicity: 1, attributes: { min_ms: 30, mean_ms: 150, rst: 0 } });
        const out: number[] = [];
        for (let i = 0; i < 5; i++) out.push((await collectUntilClosed(await connect(proxy.listen))).atMs);
        return out;
      });
    const a = await holds('drop-1');
    const b = await holds('drop-1');
    const c = await holds('drop-2');
    const tolerance = 25 + lag.ms;
    assert.ok(a.every((ms, i) => Math.abs(ms - b[i]) < tolerance), `same seed: ${a.map(Math.round)} vs ${b.map(Math.round)}`);
    assert.ok(a.some((ms, i) => Math.abs(ms - c[i]) > 60), `other seed: ${a.map(Math.round)} vs ${c.map(Math.round)}`);
  });

  it('the same seed replays slicer piece sizes; another seed does not', async () => {
    const pieces = async (seed: string): Promise<number[]> => {
      const sink = await startPeer(() => undefined);
      try {
        return await withProxy(seed, sink.address, async (_h, proxy) => {
          await proxy.addToxic({ name: 'cut', type: 'slicer', stream: 'upstream', toxicity: 1, attributes: { average_size: 40, size_variation: 15, delay: 15_000 } });
          const s = await connect(proxy.listen);
          s.write(pattern(400));
          const t0 = performance.now();
          while (Buffer.concat(sink.received[0] ?? []).length < 400 && performance.now() - t0 < 5000) await sleep(20);
          s.destroy();
          return sink.received[0].map((b) => b.length);
        });
      } finally {
        await sink.close();
      }
    };
    const a = await pieces('cut-1');
    assert.ok(a.length >= 6, `${a.length} pieces`);
    assert.deepEqual(await pieces('cut-1'), a);
    assert.notDeepEqual(await pieces('cut-2'), a);
  });
});
