// Serves a prom-client Registry on /metrics (127.0.0.1 by default; port 0 picks a free one).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';

/** The run's default /metrics port (the OpenTelemetry Prometheus exporter's), on 127.0.0.1. */
export const DEFAULT_METRICS_PORT = 9464;

export interface MetricsServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function startMetricsServer(registry: Registry, port: number, host = '127.0.0.1'): Promise<MetricsServer> {
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${String(err)}\n`),
    );
  });
  server.keepAliveTimeout = 1000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const addr = server.address() as AddressInfo;
      resolve({
        url: `http://${host}:${addr.port}/metrics`,
        port: addr.port,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/**
 * The run's /metrics server. `port` undefined: the default port, or a free one (said through `notice`) when that is
 * taken, so that two runs on one machine both start. A port the user chose is not replaced: a clear error instead.
 */
export async function openMetricsServer(
  registry: Registry,
  port: number | undefined,
  host: string,
  notice: (message: string) => void,
  defaultPort = DEFAULT_METRICS_PORT,
): Promise<MetricsServer> {
  try {
    return await startMetricsServer(registry, port ?? defaultPort, host);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? 'the port is taken (another run, or another exporter)' : (err as Error).message;
    if (port !== undefined) throw new Error(`cannot serve metrics on ${host}:${port}: ${why}; choose another --metrics-port, 0 for a free one, or --no-metrics`);
    notice(`metrics: cannot use the default port ${defaultPort} (${why}); serving on a free port instead`);
    return startMetricsServer(registry, 0, host);
  }
}
