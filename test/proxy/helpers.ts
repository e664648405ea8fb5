// Test helpers for the fault proxy: a server per suite, loopback peers (echo, source, sink), raw HTTP.
import * as http from 'node:http';
import * as net from 'node:net';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { Toxiproxy } from 'toxiproxy-node-client';
import { startProxyServer, type RunningProxyServer } from '../../proxies';

export interface Peer {
  address: string;
  port: number;
  /** Bytes received per accepted connection, in accept order. */
  received: Buffer[][];
  sockets: Set<net.Socket>;
  close(): Promise<void>;
}

/** A loopback TCP server; `onConnection` decides what it does (echo, send, count). */
export async function startPeer(onConnection: (socket: net.Socket, index: number) => void): Promise<Peer> {
  const sockets = new Set<net.Socket>();
  const received: Buffer[][] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const chunks: Buffer[] = [];
    received.push(chunks);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket, received.length - 1);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    address: `127.0.0.1:${port}`,
    port,
    received,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export const echoPeer = (): Promise<Peer> => startPeer((s) => s.pipe(s));
export const sinkPeer = (): Promise<Peer> => startPeer(() => undefined);

export interface Harness {
  server: RunningProxyServer;
  toxiproxy: Toxiproxy;
  close(): Promise<void>;
}

export async function startHarness(seed: number | string = 1): Promise<Harness> {
  const server = await startProxyServer({ port: 0, seed });
  return { server, toxiproxy: new Toxiproxy(server.url), close: () => server.close() };
}

export function hostPort(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i), port: Number(listen.slice(i + 1)) };
}

/** Connects a client socket; every error is recorded on the socket's ending, never thrown unhandled. */
export function connect(listen: string): Promise<net.Socket> {
  const { host, port } = hostPort(listen);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true });
    socket.once('connect', () => {
      socket.off('error', reject);
      socket.on('error', () => undefined);
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

export interface Ending {
  how: 'end' | 'error' | 'close';
  code?: string;
  atMs: number;
  bytes: Buffer;
}

/** Collects everything the socket receives until it ends (FIN), errors (e.g. ECONNRESET) or closes. */
export function collectUntilClosed(socket: net.Socket, timeoutMs = 10_000): Promise<Ending> {
  const started = performance.now();
  const chunks: Buffer[] = [];
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (how: Ending['how'], code?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve({ how, code, atMs: performance.now() - started, bytes: Buffer.concat(chunks) });
      socket.destroy();
    };
    const timer = setTimeout(() => {
      done = true;
      socket.destroy();
      reject(new Error(`socket still open after ${timeoutMs} ms (${Buffer.concat(chunks).length} bytes received)`));
    }, timeoutMs);
    socket.on('data', (d) => chunks.push(d));
    socket.on('end', () => finish('end'));
    socket.on('error', (err: NodeJS.ErrnoException) => finish('error', err.code));
    socket.on('close', () => finish('close'));
  });
}

/** Reads until `n` bytes arrived; resolves with them and the time taken. */
export function readBytes(socket: net.Socket, n: number, timeoutMs = 10_000): Promise<{ data: Buffer; ms: number }> {
  const started = performance.now();
  const chunks: Buffer[] = [];
  let have = 0;
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      chunks.push(d);
      have += d.length;
      if (have >= n) {
        cleanup();
        resolve({ data: Buffer.concat(chunks), ms: performance.now() - started });
      }
    };
    const onEnd = () => { cleanup(); reject(new Error(`connection ended after ${have} of ${n} bytes`)); };
    const timer = setTimeout(() => { cleanup(); reject(new Error(`only ${have} of ${n} bytes in ${timeoutMs} ms`)); }, timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('end', onEnd);
      socket.off('close', onEnd);
    };
    socket.on('data', onData);
    socket.on('end', onEnd);
    socket.on('close', onEnd);
  });
}

/** Sends `payload` and times the echo of all of it. */
export async function echoRoundTrip(socket: net.Socket, payload: Buffer | string): Promise<{ data: Buffer; ms: number }> {
  const buf = Buffer.isBuffer(payload) ? payload : Buffer.from(payload);
  const reading = readBytes(socket, buf.length);
  socket.write(buf);
  return reading;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

/** One HTTP request without any client library, so status, headers and body are exactly what the server sent. */
export function raw(baseUrl: string, method: string, path: string, body?: string | Buffer, headers: http.OutgoingHttpHeaders = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(baseUrl + path, { method, headers: { connection: 'close', ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

export async function rawJson(baseUrl: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; res: RawResponse }> {
  const res = await raw(baseUrl, method, path, body === undefined ? undefined : JSON.stringify(body));
  let json: unknown = undefined;
  try {
    json = res.text === '' ? undefined : JSON.parse(res.text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, res };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Bits that differ between two equal-length buffers, as bit positions. */
export function flippedBits(a: Buffer, b: Buffer): number[] {
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) {
    let x = a[i] ^ b[i];
    for (let bit = 0; x !== 0; bit++, x = (x << 1) & 0xff) if (x & 0x80) out.push(i * 8 + bit);
  }
  return out;
}

/** A deterministic payload (no Math.random): a counter pattern. */
export function pattern(n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + (i >> 8)) & 0xff;
  return b;
}

/**
 * How late this process's event loop has run (the worst case, in ms) since the watch began. On a shared machine
 * every timer, the proxy's and the test's, fires late by up to that much, so an upper timing bound adds `ms`:
 * with no load it is about 0 and the bound is as tight as written; a wrong delay still fails.
 */
export interface LoopLag {
  readonly ms: number;
  stop(): void;
}

export function watchLoopLag(resolutionMs = 5): LoopLag {
  const h = monitorEventLoopDelay({ resolution: resolutionMs });
  h.enable();
  return {
    get ms() {
      return h.count === 0 ? 0 : Math.max(0, h.max / 1e6 - resolutionMs);
    },
    stop: () => h.disable(),
  };
}
