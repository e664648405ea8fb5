// Fault proxy overhead with no toxic, against a direct loopback connection measured in the same run:
// round-trip latency (p50, p99), bulk throughput (MB/s), and small request/response pairs per second over
// 100 concurrent connections. The proxy runs as `posfault proxy` in its own process, as in a scenario, and the
// echo and sink servers in another, so that the direct baseline crosses a process boundary just as the proxied
// path does (with the servers in the bench process, the direct round trip never wakes another process and the
// proxy would be charged for the wake-ups). A bare Node forwarder (`data` → `write()`) in a process of its own is
// measured the same way: it is the floor of any Node proxy in this topology, so the gap between it and the proxy
// is the proxy's own cost. The proxy's and the forwarder's CPU time per MB and per pair (from /proc) are printed
// too: they move far less with the machine's load than the ratios do.
// POSFAULT_BENCH_PROXY_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" passes node flags to the proxy process.
// Bounded: every phase stops on a time limit; the whole run takes about 45 s.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

const MSG = 64;
const RTT_MS = 600;
const THROUGHPUT_MS = 900;
const PAIRS_MS = 900;
/** Every path is measured once per round, in turn; medians are reported (the machine is shared). */
const ROUNDS = 5;
/** Linux's USER_HZ: /proc/<pid>/stat counts CPU time in these ticks. */
const CLOCK_TICKS_PER_S = 100;
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

async function startProxyProcess(): Promise<{ url: string; pid: number; stop: () => void }> {
  const cli = path.join(__dirname, '..', 'harness', 'cli', 'main.js');
  const nodeArgs = (process.env.POSFAULT_BENCH_PROXY_ARGS ?? '').split(' ').filter((a) => a !== '');
  const child = spawn(process.execPath, [...nodeArgs, cli, 'proxy', '--port', '0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const url = await new Promise<string>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`proxy did not start: ${err}`)), 10_000);
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
  });
  return { url, pid: child.pid!, stop: () => child.kill('SIGTERM') };
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

function forward(from: net.Socket, to: net.Socket): void {
  from.on('data', (d: Buffer) => { if (!to.write(d)) { from.pause(); to.once('drain', () => from.resume()); } });
  from.on('end', () => to.end());
}

/** The bare forwarder's process: one listener per upstream (argv), each connection piped both ways by hand. */
async function runForwarder(upstreams: string[]): Promise<void> {
  const addresses = await Promise.all(upstreams.map((upstream) => listen((client) => {
    client.pause();
    const i = upstream.lastIndexOf(':');
    const server = net.connect({ host: upstream.slice(0, i), port: Number(upstream.slice(i + 1)), noDelay: true }, () => {
      forward(client, server);
      forward(server, client);
      client.resume();
    });
    server.on('error', () => client.destroy());
    server.on('close', () => client.destroy());
    client.on('close', () => server.destroy());
  })));
  process.on('disconnect', () => process.exit(0));
  process.send!({ echo: addresses[0].address, sink: addresses[1].address });
}

interface Child {
  echo: string;
  sink: string;
  pid: number;
  ask: (m: string) => Promise<unknown>;
  stop: () => void;
}

async function forkSelf(role: string, args: string[] = []): Promise<Child> {
  const child: ChildProcess = fork(__filename, [role, ...args], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  const addresses = await new Promise<{ echo: string; sink: string }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${role} process did not start`)), 10_000);
    child.once('message', (m) => { clearTimeout(timer); resolve(m as { echo: string; sink: string }); });
  });
  const ask = (m: string) => new Promise<unknown>((resolve) => { child.once('message', resolve); child.send(m); });
  return { ...addresses, pid: child.pid!, ask, stop: () => child.kill('SIGTERM') };
}

/** CPU milliseconds used so far by a process (user + system), or NaN where there is no /proc. */
function cpuMs(pid: number | null): number {
  if (pid === null) return NaN;
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_S;
  } catch {
    return NaN;
  }
}

interface Path {
  label: string;
  echo: string;
  sink: string;
  pid: number | null;
}

interface PathRuns {
  rtt: Rtt[];
  tp: number[];
  pairs: number[];
  /** CPU ms of the path's middle process per MB moved, and µs per pair. */
  cpuPerMB: number[];
  cpuPerPair: number[];
}

async function measureRound(path: Path, runs: PathRuns, received: () => Promise<number>): Promise<void> {
  runs.rtt.push(await rtt(path.echo));
  let cpu0 = cpuMs(path.pid);
  const mbPerS = await throughput(path.sink, { received });
  runs.tp.push(mbPerS);
  runs.cpuPerMB.push((cpuMs(path.pid) - cpu0) / ((mbPerS * THROUGHPUT_MS) / 1000));
  cpu0 = cpuMs(path.pid);
  const perS = await pairs(path.echo);
  runs.pairs.push(perS);
  runs.cpuPerPair.push(((cpuMs(path.pid) - cpu0) * 1000) / ((perS * PAIRS_MS) / 1000));
}

type Figure = (runs: PathRuns, round: number) => number;
const p50: Figure = (r, i) => r.rtt[i].p50;
const p99: Figure = (r, i) => r.rtt[i].p99;
const mbPerS: Figure = (r, i) => r.tp[i];
const pairsPerS: Figure = (r, i) => r.pairs[i];
const perRound = (fn: (round: number) => number): number => median(Array.from({ length: ROUNDS }, (_, i) => fn(i)));

/** Ratios are taken per round against the direct run of the same round, then the median is reported. */
function report(direct: PathRuns, paths: Array<{ label: string; runs: PathRuns }>): string[] {
  const f = (x: number, d = 1) => x.toFixed(d);
  const value = (runs: PathRuns, fig: Figure, d = 1) => f(perRound((i) => fig(runs, i)), d);
  const ratio = (runs: PathRuns, fig: Figure) => f(perRound((i) => fig(runs, i) / fig(direct, i)), 2);
  const lines = [
    `direct: round trip p50 ${value(direct, p50)} µs, p99 ${value(direct, p99)} µs; throughput ${value(direct, mbPerS)} MB/s; pairs ${value(direct, pairsPerS, 0)}/s`,
  ];
  for (const { label, runs } of paths) {
    const added = perRound((i) => (p50(runs, i) - p50(direct, i)) / 2); // a round trip crosses the middle process twice
    lines.push(
      `${label}:`,
      `  round trip p50 ${value(runs, p50)} µs, ratio ${ratio(runs, p50)} (added ${f(added)} µs per hop); p99 ${value(runs, p99)} µs, ratio ${ratio(runs, p99)}`,
      `  throughput ${value(runs, mbPerS)} MB/s, ratio ${ratio(runs, mbPerS)}; pairs (${CONCURRENCY} connections) ${value(runs, pairsPerS, 0)}/s, ratio ${ratio(runs, pairsPerS)}`,
      `  its CPU: ${f(median(runs.cpuPerMB), 2)} ms per MB, ${f(median(runs.cpuPerPair))} µs per pair`,
    );
  }
  return lines;
}

async function main(): Promise<void> {
  const deadline = setTimeout(() => { process.stderr.write('bench/proxy: over 60 s, giving up\n'); process.exit(1); }, 60_000);
  const peer = await forkSelf('--peer');
  const forwarder = await forkSelf('--forwarder', [peer.echo, peer.sink]);
  const proxy = await startProxyProcess();
  try {
    const paths: Path[] = [
      { label: 'direct', echo: peer.echo, sink: peer.sink, pid: null },
      { label: 'bare Node forwarder (the floor)', echo: forwarder.echo, sink: forwarder.sink, pid: forwarder.pid },
      {
        label: 'via posfault proxy',
        echo: await createProxy(proxy.url, 'bench-echo', peer.echo),
        sink: await createProxy(proxy.url, 'bench-sink', peer.sink),
        pid: proxy.pid,
      },
    ];
    const received = async () => ((await peer.ask('count')) as { sunk: number }).sunk;
    const runs = paths.map((): PathRuns => ({ rtt: [], tp: [], pairs: [], cpuPerMB: [], cpuPerPair: [] }));
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < paths.length; i++) await measureRound(paths[i], runs[i], received);
    }
    const rttSamples = runs.map((r, i) => `${sum(r.rtt.map((x) => x.n))} ${paths[i].label}`).join(', ');
    process.stdout.write(
      [
        `proxy bench (no toxic; client, middle process and echo/sink servers each in their own process; ${MSG}-byte messages, 64 KiB bulk writes)`,
        ...report(runs[0], paths.slice(1).map((p, i) => ({ label: p.label, runs: runs[i + 1] }))),
        `${ROUNDS} rounds, each measuring every path in turn; medians, ratios against the same round's direct run; rtt samples ${rttSamples}`,
      ].join('\n') + '\n',
    );
  } finally {
    proxy.stop();
    forwarder.stop();
    peer.stop();
    clearTimeout(deadline);
  }
}

const role = process.argv[2];
(role === '--peer' ? runPeer() : role === '--forwarder' ? runForwarder(process.argv.slice(3)) : main()).catch((err: unknown) => {
  process.stderr.write(`bench/proxy: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
