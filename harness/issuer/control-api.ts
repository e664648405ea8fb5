// The issuer's HTTP control API (JSON, 127.0.0.1), for a scenario driving an issuer in another process.
//   GET  /ledger[?fromSeq=N&follow=1]     ledger entries as JSON lines (follow: keep streaming new ones)
//   GET  /accounts/{pan}/balance          {"pan": masked, "balance": n}
//   PUT  /faults/maintenance {"mode": "refuse"|"answer-91"|"answer-96"|"silent"|null}
//   PUT  /faults/latency     {"latency": LatencySpec|null}
//   PUT  /faults/declines    {"share": 0..1, "code"?: "05"}
//   POST /faults/crash       {"downMs"?: n}
//   GET  /metrics                         prom-client text
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Logger } from '../log';
import { maskPan } from '../security/card';
import { declinesBodySchema, describeZodError, latencyBodySchema, maintenanceBodySchema } from './schemas';
import type { IssuerHandle, LatencySpec } from './types';
import { z } from 'zod';

export interface ControlApi {
  port: number;
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;
const crashBodySchema = z.object({ downMs: z.number().int().min(0).max(600_000).optional() }).strict();

class BadRequest extends Error {
  constructor(message: string, readonly status = 400) {
    super(message);
  }
}

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new BadRequest(`body larger than ${MAX_BODY} bytes`, 413));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch (e) {
        reject(new BadRequest(`body is not JSON: ${e instanceof Error ? e.message : String(e)}`));
      }
    });
    req.on('error', reject);
  });
}

function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new BadRequest(describeZodError(r.error));
  return r.data;
}

function json(res: http.ServerResponse, status: number, value: unknown): void {
  const text = JSON.stringify(value) + '\n';
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

export async function startControlApi(issuer: IssuerHandle, options: { host: string; port: number; registry: Registry; log: Logger }): Promise<ControlApi> {
  const { registry, log } = options;
  const streams = new Set<AbortController>();

  async function streamLedger(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const fromText = url.searchParams.get('fromSeq') ?? '1';
    if (!/^\d{1,15}$/.test(fromText)) throw new BadRequest('fromSeq must be a positive integer');
    const followText = url.searchParams.get('follow');
    if (followText !== null && followText !== '0' && followText !== '1') throw new BadRequest('follow must be 0 or 1');
    const abort = new AbortController();
    streams.add(abort);
    req.on('close', () => abort.abort());
    res.on('close', () => abort.abort());
    res.writeHead(200, { 'content-type': 'application/x-ndjson' });
    try {
      for await (const e of issuer.readLedger(Number(fromText), { follow: followText === '1', signal: abort.signal })) {
        if (abort.signal.aborted) break;
        if (!res.write(JSON.stringify(e) + '\n')) await new Promise<void>((r) => res.once('drain', () => r()).once('close', () => r()));
      }
    } finally {
      streams.delete(abort);
      res.end();
    }
  }

  async function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://control');
    const method = req.method ?? 'GET';
    const balance = /^\/accounts\/([^/]+)\/balance$/.exec(url.pathname);
    if (url.pathname === '/ledger' && method === 'GET') return streamLedger(req, res, url);
    if (balance && method === 'GET') {
      const pan = decodeURIComponent(balance[1]);
      if (!/^\d{12,19}$/.test(pan)) throw new BadRequest('PAN must be 12 to 19 digits');
      const value = issuer.balance(pan);
      if (value === undefined) throw new BadRequest(`no account ${maskPan(pan)}`, 404);
      return json(res, 200, { pan: maskPan(pan), balance: value });
    }
    if (url.pathname === '/metrics' && method === 'GET') {
      const text = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType });
      res.end(text);
      return;
    }
    if (url.pathname === '/faults/maintenance' && method === 'PUT') {
      const { mode } = parseBody(maintenanceBodySchema, await readBody(req));
      issuer.maintenance(mode);
      return json(res, 200, { mode });
    }
    if (url.pathname === '/faults/latency' && method === 'PUT') {
      const { latency } = parseBody(latencyBodySchema, await readBody(req));
      issuer.setLatency(latency as LatencySpec | null);
      return json(res, 200, { latency });
    }
    if (url.pathname === '/faults/declines' && method === 'PUT') {
      const { share, code } = parseBody(declinesBodySchema, await readBody(req));
      issuer.setDeclineShare(share, code);
      return json(res, 200, { share, code: code ?? '05' });
    }
    if (url.pathname === '/faults/crash' && method === 'POST') {
      const { downMs } = parseBody(crashBodySchema, await readBody(req));
      void issuer.crash(downMs).catch((e) => log.error('crash via control API failed', { error: e instanceof Error ? e.message : String(e) }));
      return json(res, 202, { crashing: true, downMs: downMs ?? 1000 });
    }
    const known = ['/ledger', '/metrics', '/faults/maintenance', '/faults/latency', '/faults/declines', '/faults/crash'].includes(url.pathname) || balance;
    throw new BadRequest(known ? `method ${method} not allowed on ${url.pathname}` : `no such endpoint: ${method} ${url.pathname}`, known ? 405 : 404);
  }

  const server = http.createServer((req, res) => {
    route(req, res).catch((e: unknown) => {
      const status = e instanceof BadRequest ? e.status : 500;
      const message = e instanceof Error ? e.message : String(e);
      if (status === 500) log.error('control API error', { url: req.url, error: message });
      else log.info('control API refused a request', { method: req.method, path: req.url?.split('?')[0], status, error: message });
      if (!res.headersSent) json(res, status, { error: message });
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    async close() {
      for (const s of streams) s.abort();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
