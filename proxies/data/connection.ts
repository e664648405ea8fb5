// One client connection through a proxy: call set-up (dial-up toxics), the upstream dial, two links, teardown.
import * as net from 'node:net';
import type { Prng } from '../../harness/security/prng';
import { splitHostPort } from '../address';
import type { ByteFlow, ProxyMetrics } from '../metrics';
import type { ToxicCollection } from '../toxic-collection';
import { Link, type LinkOwner } from './link';
import { setLongTimeout, type LongTimer } from './long-timer';
import type { CloseMode, Direction } from './stage';

/** What a connection needs from its proxy. */
export interface ConnectionHost {
  readonly name: string;
  readonly listen: string;
  readonly upstream: string;
  readonly toxics: ToxicCollection;
  readonly metrics: ProxyMetrics;
  forget(conn: Connection): void;
}

/** A socket closing gracefully gets this long to flush before it is destroyed (Toxiproxy's write timeout). */
const FLUSH_GRACE_MS = 5000;

export class Connection implements LinkOwner {
  readonly lingerZero: boolean;
  private upstreamSocket: net.Socket | null = null;
  private readonly links: Link[] = [];
  private readonly flows: ByteFlow[] = [];
  private setupTimer: LongTimer | null = null;
  private readonly closeTimers: LongTimer[] = [];
  private closed = false;

  constructor(private readonly host: ConnectionHost, private readonly client: net.Socket, readonly rng: Prng) {
    // Toxiproxy sets SO_LINGER(0) at accept when a reset_peer toxic exists, so this connection's closes are RSTs.
    this.lingerZero = host.toxics.hasType('reset_peer');
    client.on('error', () => this.onSocketGone('upstream'));
    client.on('close', () => this.onSocketGone('upstream'));
    host.metrics.connectionsTotal.inc({ proxy: host.name });
    host.metrics.connectionsOpen.inc({ proxy: host.name });
  }

  begin(): void {
    const setup = this.host.toxics.callSetup(this.rng);
    if (setup.kind === 'no_dial_tone') {
      this.lineEvent('no_dial_tone');
      this.close('rst');
    } else if (setup.kind === 'busy') {
      this.lineEvent('busy');
      this.close('fin');
    } else if (setup.delayMs > 0) {
      this.setupTimer = setLongTimeout(() => { this.setupTimer = null; this.dial(); }, setup.delayMs);
    } else {
      this.dial();
    }
  }

  /** Idempotent. Without a mode: FIN, or RST when SO_LINGER(0) was set at accept. */
  close(mode?: CloseMode): void {
    if (this.closed) return;
    this.closed = true;
    if (this.setupTimer) this.setupTimer.clear();
    for (const timer of this.closeTimers) timer.clear();
    for (const link of this.links) {
      link.destroy();
      this.host.toxics.unregisterLink(link);
    }
    for (const flow of this.flows) this.host.metrics.closeFlow(flow);
    const how = mode ?? (this.lingerZero ? 'rst' : 'fin');
    terminate(this.client, how);
    if (this.upstreamSocket) terminate(this.upstreamSocket, how);
    this.host.metrics.connectionsOpen.dec({ proxy: this.host.name });
    this.host.forget(this);
  }

  closeAfter(ms: number, mode: CloseMode): void {
    if (!this.closed) this.closeTimers.push(setLongTimeout(() => this.close(mode), ms));
  }

  corrupted(direction: Direction, bytes: number): void {
    this.host.metrics.bytesCorrupted.inc({ proxy: this.host.name, direction }, bytes);
  }

  lineEvent(event: string): void {
    this.host.metrics.lineEvents.inc({ proxy: this.host.name, event });
  }

  private dial(): void {
    if (this.closed) return;
    const target = splitHostPort(this.host.upstream);
    // As Toxiproxy: a failed upstream dial closes the client before any byte (connect, then FIN).
    if (typeof target === 'string') return this.close('fin');
    const upstream = net.connect({ host: target.host, port: target.port, allowHalfOpen: true, noDelay: true });
    this.upstreamSocket = upstream;
    upstream.on('error', () => this.onSocketGone('downstream'));
    upstream.on('close', () => this.onSocketGone('downstream'));
    upstream.once('connect', () => this.connected(upstream));
  }

  private connected(upstream: net.Socket): void {
    if (this.closed) return;
    const { name, listen, upstream: upstreamAddr, toxics, metrics } = this.host;
    const up = metrics.openFlow({ direction: 'upstream', proxy: name, listener: listen, upstream: upstreamAddr });
    const down = metrics.openFlow({ direction: 'downstream', proxy: name, listener: listen, upstream: upstreamAddr });
    this.flows.push(up, down);
    this.links.push(
      new Link('upstream', this.client, upstream, this, up, toxics.chain('upstream')),
      new Link('downstream', upstream, this.client, this, down, toxics.chain('downstream')),
    );
    for (const link of this.links) {
      toxics.registerLink(link);
      link.start();
    }
  }

  /** A socket errored or closed: the link reading it has reached its end (the chain drains, then teardown). */
  private onSocketGone(direction: Direction): void {
    if (this.closed) return;
    const link = this.links.find((l) => l.direction === direction);
    if (link) link.onEnd();
    else this.close('fin'); // before the links exist: the call is abandoned
  }
}

function terminate(socket: net.Socket, how: CloseMode): void {
  if (socket.destroyed) return;
  if (how === 'rst' && !socket.connecting) {
    socket.resetAndDestroy();
    return;
  }
  if (socket.connecting) {
    socket.destroy();
    return;
  }
  socket.destroySoon();
  if (socket.destroyed) return;
  const timer = setTimeout(() => socket.destroy(), FLUSH_GRACE_MS);
  socket.once('close', () => clearTimeout(timer));
}
