// One proxy: a listener on `listen` that forwards each connection to `upstream` through its toxics.
import * as net from 'node:net';
import type { Prng } from '../harness/security/prng';
import { createLogger } from '../harness/log';
import { bindHost, formatHostPort, normalizeListen, splitHostPort } from './address';
import { ApiError } from './api-error';
import { Connection, type ConnectionHost } from './data/connection';
import type { ProxyMetrics } from './metrics';
import { ToxicCollection } from './toxic-collection';

const log = createLogger('proxy');

export interface ProxyUpdateInput {
  listen?: string;
  upstream?: string;
  enabled?: boolean;
}

/** Node's bind errors in Go's words, so messages match Toxiproxy's. */
function bindMessage(err: NodeJS.ErrnoException, host: string, port: number): string {
  const where = `listen tcp ${formatHostPort(host, port)}`;
  switch (err.code) {
    case 'EADDRINUSE': return `${where}: bind: address already in use`;
    case 'EADDRNOTAVAIL': return `${where}: bind: cannot assign requested address`;
    case 'EACCES': return `${where}: bind: permission denied`;
    case 'ENOTFOUND': case 'EAI_AGAIN': return `listen tcp: lookup ${host}: no such host`;
    default: return `${where}: ${err.message}`;
  }
}

export class Proxy implements ConnectionHost {
  readonly toxics: ToxicCollection;
  private server: net.Server | null = null;
  private readonly connections = new Set<Connection>();
  private accepted = 0;

  constructor(
    readonly name: string,
    public listen: string,
    public upstream: string,
    private readonly rng: Prng,
    readonly metrics: ProxyMetrics,
  ) {
    this.toxics = new ToxicCollection(name, metrics);
  }

  get enabled(): boolean {
    return this.server !== null;
  }

  /** Opens the listener and rewrites `listen` to the bound address; ApiError 500 with Go's text on failure. */
  async start(createMessages: boolean = true): Promise<void> {
    if (this.server) return;
    const hp = splitHostPort(this.listen);
    if (typeof hp === 'string') {
      throw new ApiError(500, createMessages ? `listen tcp: address ${this.listen}: ${hp}` : `address ${this.listen}: ${hp}`);
    }
    const host = bindHost(hp.host);
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) => reject(new ApiError(500, bindMessage(err, host, hp.port))));
      server.listen({ host, port: hp.port, exclusive: true }, () => resolve());
    });
    server.on('error', (err) => log.error('listener error', { proxy: this.name, error: err.message }));
    const addr = server.address() as net.AddressInfo;
    this.listen = formatHostPort(addr.address, addr.port);
    this.server = server;
  }

  /** Closes the listener and every open connection (clients see FIN, or RST after a reset_peer at accept). */
  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    server.close();
    for (const conn of [...this.connections]) conn.close();
    // The listening socket is closed by libuv at the end of this loop turn; after that the port can be bound again.
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** Toxiproxy's Update: a changed listen or upstream restarts the proxy (dropping connections). */
  async update(input: ProxyUpdateInput): Promise<void> {
    // As on create (divergence): an empty listen binds 127.0.0.1 on a free port, ":port" binds 127.0.0.1.
    const listen = input.listen === undefined ? this.listen : input.listen || '127.0.0.1:0';
    const upstream = input.upstream ?? this.upstream;
    const enabled = input.enabled ?? this.enabled;
    const normalized = normalizeListen(listen);
    if (normalized === null) {
      const hp = splitHostPort(listen) as string;
      throw new ApiError(500, `address ${listen}: ${hp}`);
    }
    const changed = normalized !== normalizeListen(this.listen) || upstream !== this.upstream;
    if (changed) {
      const before = { listen: this.listen, upstream: this.upstream, enabled: this.enabled };
      await this.stop();
      this.listen = listen;
      this.upstream = upstream;
      if (enabled) {
        try {
          await this.start();
        } catch (err) {
          // No change of state on failure: put the old addresses back and reopen if it was open.
          this.listen = before.listen;
          this.upstream = before.upstream;
          if (before.enabled) await this.start().catch(() => undefined);
          throw err;
        }
      }
    } else if (enabled !== this.enabled) {
      if (enabled) await this.start();
      else await this.stop();
    }
  }

  forget(conn: Connection): void {
    this.connections.delete(conn);
  }

  private accept(socket: net.Socket): void {
    if (!this.server) {
      socket.destroy();
      return;
    }
    const conn = new Connection(this, socket, this.rng.fork(`connection/${this.accepted++}`));
    this.connections.add(conn);
    conn.begin();
  }
}
