// The HTTP side of the Toxiproxy API on node:http: routes, Toxiproxy's headers and error bodies, /metrics.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { Registry } from 'prom-client';
import { createLogger } from '../../harness/log';
import { ApiError } from '../api-error';
import { PopulateError, type ProxyCollection } from '../proxy-collection';
import { handlers, type Handler, type Reply } from './handlers';
import { proxyJson } from './json-shapes';
import { readBody } from './request-body';

const log = createLogger('proxy-api');

export const TOXIPROXY_VERSION = '2.12.0';

type Route = { pattern: RegExp; methods: Record<string, Handler> };

const SEG = '([^/]+)';
const routes: Route[] = [
  { pattern: /^\/reset$/, methods: { POST: handlers.reset } },
  { pattern: /^\/proxies$/, methods: { GET: handlers.proxyIndex, POST: handlers.proxyCreate } },
  { pattern: /^\/populate$/, methods: { POST: handlers.populate } },
  {
    pattern: new RegExp(`^/proxies/${SEG}$`),
    methods: { GET: handlers.proxyShow, POST: handlers.proxyUpdate, PATCH: handlers.proxyUpdate, DELETE: handlers.proxyDelete },
  },
  { pattern: new RegExp(`^/proxies/${SEG}/toxics$`), methods: { GET: handlers.toxicIndex, POST: handlers.toxicCreate } },
  {
    pattern: new RegExp(`^/proxies/${SEG}/toxics/${SEG}$`),
    methods: { GET: handlers.toxicShow, POST: handlers.toxicUpdate, PATCH: handlers.toxicUpdate, DELETE: handlers.toxicDelete },
  },
  { pattern: /^\/version$/, methods: { GET: handlers.version } },
];
// Divergence: /metrics is always on (Toxiproxy needs -proxy-metrics); any method, as promhttp.
const metricsPattern = /^\/metrics$/;

// A 20-character id in the alphabet of Toxiproxy's xid request ids (not randomness for faults).
const idPrefix = randomBytes(5).toString('hex');
let idCounter = 0;
function requestId(): string {
  const n = (idCounter++ & 0xffffff).toString(32).padStart(5, '0');
  return (Date.now().toString(32).slice(-5) + idPrefix + n).slice(0, 20);
}

function decodeSegment(s: string): string | null {
  try {
    return decodeURIComponent(s);
  } catch {
    return null;
  }
}

export class HttpApi {
  constructor(private readonly proxies: ProxyCollection, private readonly registry: Registry) {}

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    this.dispatch(req, res).catch((err: unknown) => {
      log.error('unexpected API failure', { error: err instanceof Error ? err.message : String(err) });
      if (!res.headersSent) this.sendError(res, new ApiError(500, err instanceof Error ? err.message : String(err)));
      else res.destroy();
    });
  };

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';

    if (metricsPattern.test(path)) {
      // A matched route in Toxiproxy: the request id and the browser block apply, as on every other route.
      if (this.refuseBrowser(req, res)) return;
      req.resume();
      res.writeHead(200, { 'Content-Type': this.registry.contentType });
      res.end(await this.registry.metrics());
      return;
    }
    let match: RegExpExecArray | null = null;
    const route = routes.find((r) => (match = r.pattern.exec(path)) !== null);
    const params = match === null ? [] : (match as RegExpExecArray).slice(1).map(decodeSegment);
    if (!route || params.includes(null)) {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
      res.end('404 page not found\n');
      req.resume();
      return;
    }
    const handler = route.methods[method];
    if (!handler) {
      res.writeHead(405);
      res.end();
      req.resume();
      return;
    }
    if (this.refuseBrowser(req, res)) return;
    // Read the body before queueing, so a slow upload never holds up other requests.
    let body: Buffer | ApiError;
    try {
      body = await readBody(req);
    } catch (err) {
      body = err instanceof ApiError ? err : new ApiError(400, String(err));
    }
    const reqParams = params as string[];
    try {
      const reply = await this.proxies.exclusive(() => {
        if (body instanceof ApiError && body.status === 413) throw body;
        return handler(this.proxies, {
          params: reqParams,
          body: async () => {
            if (body instanceof ApiError) throw body;
            return body;
          },
        });
      });
      await this.send(res, reply);
    } catch (err) {
      if (err instanceof PopulateError) {
        const created = err.created.length === 0 ? null : err.created.map(proxyJson);
        this.sendJson(res, err.status, { error: err.message, status: err.status, proxies: created });
      } else if (err instanceof ApiError) {
        if (err.status === 413) res.setHeader('Connection', 'close');
        this.sendError(res, err);
      } else {
        throw err;
      }
    }
  }

  /** Toxiproxy's middleware on matched routes: a request id, then 403 for a `Mozilla/` user agent. */
  private refuseBrowser(req: IncomingMessage, res: ServerResponse): boolean {
    res.setHeader('X-Toxiproxy-Request-Id', requestId());
    if (!(req.headers['user-agent'] ?? '').startsWith('Mozilla/')) return false;
    res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end('User agent not allowed\n');
    req.resume();
    return true;
  }

  private async send(res: ServerResponse, reply: Reply): Promise<void> {
    switch (reply.kind) {
      case 'json':
        this.sendJson(res, reply.status, reply.body);
        return;
      case 'empty':
        res.writeHead(reply.status);
        res.end();
        return;
      case 'version':
        res.writeHead(200, { 'Content-Type': 'application/json;charset=utf-8' });
        res.end(`{"version": "${TOXIPROXY_VERSION}"}\n`);
        return;
    }
  }

  private sendJson(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(body));
  }

  /** Toxiproxy's error body: JSON text, sent as text/plain (Go's http.Error overrides the JSON header). */
  private sendError(res: ServerResponse, err: ApiError): void {
    res.writeHead(err.status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff' });
    res.end(JSON.stringify({ error: err.message, status: err.status }) + '\n');
  }
}
