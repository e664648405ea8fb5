// Fault proxy overhead with no toxic, against a direct loopback connection measured in the same run:
// round-trip latency (p50, p99), bulk throughput (MB/s), and small request/response pairs per second over
// 100 concurrent connections. The proxy runs as `posfault proxy` in its own process, as in a scenario, and the
// echo and sink servers in a third process, so that the direct baseline crosses a process boundary just as the
// proxied path does (with the servers in the bench process, the direct round trip never wakes another process
// and the proxy would be charged for the wake-ups).
// Bounded: every phase stops on a time limit; the whole run takes about 30 s.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

const MSG = 64;
const RTT_MS = 1000;
const THROUGHPUT_MS = 1500;
const PAIRS_MS = 1500;
/** Direct and proxied runs alternate this many times; medians are reported (the machine is shared). */
const ROUNDS = 3;
const CONCURRENCY = 100;

async function listen(onConnection: (s: net.Socket) => void): Promise<{ address: string; close: () => void }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ noDelay: true }, (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    onConnection(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () => { for (const s of sockets) s.destroy(); server.close(); },
  };
}

function connect(address: string): Promise<net.Socket> {
  const i = address.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: address.slice(0, i), port: Number(address.slice(i + 1)), noDelay: true }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Sends one MSG-byte request and resolves when MSG bytes came back. */
function pinger(s: net.Socket): () => Promise<void> {
  const payload = Buffer.alloc(MSG, 7);
  let pending = 0;
  let done: (() => void) | null = null;
  s.on('data', (d: Buffer) => {
    pending -= d.length;
    if (pending <= 0 && done) { const f = done; done = null; f(); }
  });
  return () => new Promise<void>((resolve) => { pending += MSG; done = resolve; s.write(payload); });
}

interface Rtt {
  p50: number;
  p99: number;
  n: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

async function rtt(address: string): Promise<Rtt> {
  const s = await connect(address);
  const ping = pinger(s);
  for (let i = 0; i < 200; i++) await ping();
  const samples: number[] = [];
  const end = performance.now() + RTT_MS;
  while (performance.now() < end && samples.length < 200_000) {
    const t0 = performance.now();
    await ping();
    samples.push((performance.now() - t0) * 1000);
  }
  s.destroy();
  samples.sort((a, b) => a - b);
  return { p50: samples[Math.floor(samples.length * 0.5)], p99: samples[Math.floor(samples.length * 0.99)], n: samples.length };
}

async function throughput(address: string, sink: { received: () => Promise<number> }): Promise<number> {
  const s = await connect(address);
  const chunk = Buffer.alloc(64 * 1024, 1);
  const start = await sink.received();
  const t0 = performance.now();
  const end = t0 + THROUGHPUT_MS;
  await new Promise<void>((resolve) => {
    const pump = () => {
      while (performance.now() < end) if (!s.write(chunk)) return void s.once('drain', pump);
      resolve();
    };
    pump();
  });
  const seconds = (performance.now() - t0) / 1000;
  const bytes = (await sink.received()) - start;
  s.destroy();
  return bytes / seconds / 1e6;
}

async function pairs(address: string): Promise<number> {
  const sockets = await Promise.all(Array.from({ length: CONCURRENCY }, () => connect(address)));
  let count = 0;
  const end = performance.now() + PAIRS_MS;
  const t0 = performance.now();
  await Promise.all(sockets.map(async (s) => {
    const ping = pinger(s);
    while (performance.now() < end) {
      await ping();
      count++;
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  for (const s of sockets) s.destroy();
  return count / seconds;
}

async function startProxyProcess(): Promise<{ url: string; stop: () => void }> {
  const cli = path.join(__dirname, '..', 'harness', 'cli', 'main.js');
  const child = spawn(process.execPath, [cli, 'proxy', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`proxy did not start: ${err}`)), 10_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

async function createProxy(url: string, name: string, upstream: string): Promise<string> {
  const res = await fetch(`${url}/proxies`, { method: 'POST', body: JSON.stringify({ name, listen: '127.0.0.1:0', upstream }) });
  if (res.status !== 201) throw new Error(`create proxy: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { listen: string }).listen;
}

/** The echo and sink servers' process: reports their addresses, then answers "count" with the bytes sunk. */
async function runPeer(): Promise<void> {
  let sunk = 0;
  const echo = await listen((s) => s.on('data', (d) => s.write(d)));
  const sink = await listen((s) => s.on('data', (d: Buffer) => { sunk += d.length; }));
  process.on('message', (m) => { if (m === 'count') process.send!({ sunk }); });
  process.on('disconnect', () => process.exit(0));
  process.send!({ echo: echo.address, sink: sink.address });
}

interface Peer {
  echo: string;
  sink: string;
  received: () => Promise<number>;
  stop: () => void;
}

async function startPeer(): Promise<Peer> {
  const child: ChildProcess = fork(__filename, ['--peer'], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const addresses = await new Promise<{ echo: string; sink: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('echo peer did not start')), 10_000);
    child.once('message', (m) => { clearTimeout(timer); resolve(m as { echo: string; sink: string }); });
  });
  const received = () => new Promise<number>((resolve) => {
    child.once('message', (m) => resolve((m as { sunk: number }).sunk));
    child.send('count');
  });
  return { ...addresses, received, stop: () => child.kill('SIGTERM') };
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => { process.stderr.write('bench/proxy: over 60 s, giving up\n'); process.exit(1); }, 60_000);
  const peer = await startPeer();
  const echo = { address: peer.echo };
  const sink = { address: peer.sink };
  const proxy = await startProxyProcess();
  try {
    const echoVia = await createProxy(proxy.url, 'bench-echo', echo.address);
    const sinkVia = await createProxy(proxy.url, 'bench-sink', sink.address);
    const sinkCounter = { received: peer.received };

    const runs = { rttDirect: [] as Rtt[], rttProxy: [] as Rtt[], tpDirect: [] as number[], tpProxy: [] as number[], pairsDirect: [] as number[], pairsProxy: [] as number[] };
    for (let round = 0; round < ROUNDS; round++) {
      runs.rttDirect.push(await rtt(echo.address));
      runs.rttProxy.push(await rtt(echoVia));
      runs.tpDirect.push(await throughput(sink.address, sinkCounter));
      runs.tpProxy.push(await throughput(sinkVia, sinkCounter));
      runs.pairsDirect.push(await pairs(echo.address));
      runs.pairsProxy.push(await pairs(echoVia));
    }
    const rttDirect = { p50: median(runs.rttDirect.map((r) => r.p50)), p99: median(runs.rttDirect.map((r) => r.p99)), n: sum(runs.rttDirect.map((r) => r.n)) };
    const rttProxy = { p50: median(runs.rttProxy.map((r) => r.p50)), p99: median(runs.rttProxy.map((r) => r.p99)), n: sum(runs.rttProxy.map((r) => r.n)) };
    const tpDirect = median(runs.tpDirect);
    const tpProxy = median(runs.tpProxy);
    const pairsDirect = median(runs.pairsDirect);
    const pairsProxy = median(runs.pairsProxy);

    const f = (x: number, d = 1) => x.toFixed(d);
    const addedPerHop = (rttProxy.p50 - rttDirect.p50) / 2; // a round trip crosses the proxy twice
    process.stdout.write(
      [
        `proxy bench (no toxic; client, proxy and echo/sink servers in three processes; ${MSG}-byte messages)`,
        `round trip p50: direct ${f(rttDirect.p50)} µs, via proxy ${f(rttProxy.p50)} µs, ratio ${f(rttProxy.p50 / rttDirect.p50, 2)} (added ${f(addedPerHop)} µs per hop)`,
        `round trip p99: direct ${f(rttDirect.p99)} µs, via proxy ${f(rttProxy.p99)} µs, ratio ${f(rttProxy.p99 / rttDirect.p99, 2)}`,
        `throughput: direct ${f(tpDirect)} MB/s, via proxy ${f(tpProxy)} MB/s, ratio ${f(tpProxy / tpDirect, 2)}`,
        `request/response pairs (${CONCURRENCY} connections): direct ${f(pairsDirect, 0)}/s, via proxy ${f(pairsProxy, 0)}/s, ratio ${f(pairsProxy / pairsDirect, 2)}`,
        `medians of ${ROUNDS} alternating rounds; rtt samples ${rttDirect.n} direct, ${rttProxy.n} via proxy`,
      ].join('\n') + '\n',
    );
  } finally {
    proxy.stop();
    peer.stop();
    clearTimeout(deadline);
  }
}

(process.argv[2] === '--peer' ? runPeer() : main()).catch((err: unknown) => {
  process.stderr.write(`bench/proxy: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
