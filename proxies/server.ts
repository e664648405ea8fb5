// The fault proxy server: the Toxiproxy HTTP API on node:http over a collection of proxies and their metrics.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { Prng } from '../harness/security/prng';
import { formatHostPort } from './address';
import { HttpApi } from './api/http-api';
import { ProxyMetrics } from './metrics';
import { ProxyCollection } from './proxy-collection';

export interface ProxyServerOptions {
  /** API host, 127.0.0.1 by default. */
  host?: string;
  /** API port, 8474 by default; 0 picks a free one. */
  port?: number;
  /** Seed of every random draw (toxicity, jitter, slicer, line faults): the same seed replays the same faults. 0 by default. */
  seed?: number | string;
  /** Where the metrics go; a private Registry by default. */
  registry?: Registry;
}

export interface RunningProxyServer {
  url: string;
  host: string;
  port: number;
  registry: Registry;
  /** The collection behind the API, for in-process callers (the CLI's --config uses it). */
  proxies: ProxyCollection;
  /** Stops every proxy listener and connection, then the API. */
  close(): Promise<void>;
}

export const DEFAULT_API_PORT = 8474;

export async function startProxyServer(opts: ProxyServerOptions = {}): Promise<RunningProxyServer> {
  const host = opts.host ?? '127.0.0.1';
  const registry = opts.registry ?? new Registry();
  const proxies = new ProxyCollection(new Prng(opts.seed ?? 0), new ProxyMetrics(registry));
  const api = new HttpApi(proxies, registry);
  const server = http.createServer({ keepAliveTimeout: 60_000 }, api.handle);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port: opts.port ?? DEFAULT_API_PORT, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${formatHostPort(addr.address, addr.port)}`,
    host: addr.address,
    port: addr.port,
    registry,
    proxies,
    close: () => {
      closing ??= (async () => {
        await proxies.exclusive(() => proxies.closeAll());
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
      })();
      return closing;
    },
  };
}
