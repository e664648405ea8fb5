// The issuer's wire side: frames in, the core's answers out. Bad input is answered 30 when the request decoded
// far enough to say which request it was, otherwise dropped; either way it is logged and changes nothing.
import * as net from 'node:net';
import type { MessageCodec } from '../iso8583/codec';
import { CodecError, type Frame, type FramingSpec, type IsoMessage } from '../iso8583/types';
import type { Logger } from '../log';
import { FrameChannel } from '../net/channel';
import { preambleLength } from '../net/framing';
import type { IssuerCore } from './core';
import type { FaultState } from './fault-state';
import type { IssuerMetrics } from './metrics';
import { FINANCIAL_MTIS, parseRequest, responseMti } from './request';
import { buildResponse, networkResponse } from './response';

export interface ServerDeps {
  codec: MessageCodec;
  framing: FramingSpec;
  log: Logger;
  metrics: IssuerMetrics;
  faults: FaultState;
  /** The live core, or null while the issuer is down (crash). */
  core: () => IssuerCore | null;
}

interface Connection {
  channel: FrameChannel;
  peer: string;
  received: number;
  consumed: number;
  framingFailed: boolean;
}

export class IssuerServer {
  private server: net.Server | null = null;
  private readonly connections = new Set<Connection>();
  private readonly delays = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  host = '127.0.0.1';
  port = 0;

  constructor(private readonly deps: ServerDeps) {}

  get listening(): boolean {
    return this.server !== null;
  }

  /** Listens on host:port (0 the first time for an ephemeral port; later the same port again). */
  async listen(host: string, port: number): Promise<void> {
    if (this.server) return;
    const server = net.createServer((socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => this.deps.log.error('listener error', { error: err.message }));
    const address = server.address() as net.AddressInfo;
    this.host = address.address;
    this.port = address.port;
    this.server = server;
  }

  /** Stops accepting (callers get ECONNREFUSED); live connections are left alone. */
  async stopListening(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = null;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Destroys every connection, as a crash or a refusing maintenance window does. */
  dropConnections(): void {
    for (const c of this.connections) c.channel.destroy();
  }

  /** Requests held by a latency fault are dropped unanswered; those being journalled are awaited. */
  async drain(): Promise<void> {
    for (const t of this.delays) clearTimeout(t);
    this.delays.clear();
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** After a crash: what was in flight belongs to the dead core and will never complete. */
  forgetInFlight(): void {
    for (const t of this.delays) clearTimeout(t);
    this.delays.clear();
    this.inFlight.clear();
  }

  async close(): Promise<void> {
    await this.stopListening();
    await this.drain();
    for (const c of this.connections) c.channel.close();
    this.dropConnections();
  }

  private accept(socket: net.Socket): void {
    const { framing, log, metrics } = this.deps;
    const conn: Connection = { channel: new FrameChannel(socket, framing), peer: `${socket.remoteAddress}:${socket.remotePort}`, received: 0, consumed: 0, framingFailed: false };
    const overhead = framing.length.bytes + preambleLength(framing);
    this.connections.add(conn);
    metrics.connections.inc();
    socket.on('data', (chunk: Buffer) => {
      conn.received += chunk.length;
    });
    conn.channel.on('frame', (frame: Frame) => {
      conn.consumed += overhead + frame.body.length;
      this.onFrame(conn, frame);
    });
    conn.channel.on('frame-error', (err: CodecError) => {
      conn.framingFailed = true;
      metrics.rejectedFrames.inc({ reason: 'framing' });
      log.warn('unreadable frame length; connection closed', { peer: conn.peer, reason: err.message });
    });
    conn.channel.on('socket-error', (err: Error) => log.debug('socket error', { peer: conn.peer, error: err.message }));
    conn.channel.on('close', () => {
      this.connections.delete(conn);
      metrics.connections.dec();
      const partial = conn.received - conn.consumed;
      if (partial > 0 && !conn.framingFailed) {
        metrics.rejectedFrames.inc({ reason: 'truncated' });
        log.warn('client disconnected mid-frame; partial frame dropped', { peer: conn.peer, bytes: partial });
      }
    });
  }

  private onFrame(conn: Connection, frame: Frame): void {
    const { codec, log, metrics, faults } = this.deps;
    const started = process.hrtime.bigint();
    if (faults.maintenance === 'silent') {
      log.debug('silent maintenance: request read and not answered', { peer: conn.peer });
      return;
    }
    let msg: IsoMessage;
    try {
      msg = codec.unpack(frame.body);
    } catch (err) {
      this.garbled(conn, frame.body, err);
      return;
    }
    const replyMti = responseMti(msg.mti);
    if (replyMti === null) {
      metrics.rejectedFrames.inc({ reason: 'not-a-request' });
      log.warn('message is not a request; dropped', { peer: conn.peer, mti: msg.mti });
      return;
    }
    if (msg.mti === '0800' || msg.mti === '0801') {
      this.send(conn, msg.mti, networkResponse(msg), started);
      return;
    }
    if (!FINANCIAL_MTIS.has(msg.mti)) {
      metrics.rejectedFrames.inc({ reason: 'unknown-mti' });
      log.warn('unsupported MTI; answered 30', { peer: conn.peer, mti: msg.mti });
      this.send(conn, msg.mti, buildResponse(msg, replyMti, { responseCode: '30' }), started);
      return;
    }
    const parsed = parseRequest(msg);
    if (!parsed.ok) {
      metrics.rejectedFrames.inc({ reason: 'format' });
      log.warn('format error; answered 30', { peer: conn.peer, mti: msg.mti, reason: parsed.reason });
      this.send(conn, msg.mti, buildResponse(msg, replyMti, { responseCode: '30' }), started);
      return;
    }
    const request = parsed.request;
    const scripted = request.kind === 'sale' ? faults.nextDecline() : null;
    const run = () => {
      const core = this.deps.core();
      if (!core) return; // down: a crash took it, nobody answers
      const forced = faults.forcedCode();
      const work = core.handle(request, forced, scripted).then(
        (decision) => {
          if (decision.note) log.debug(decision.note, { mti: msg.mti, terminal: request.terminalId, stan: request.stan, code: decision.responseCode });
          this.send(conn, msg.mti, buildResponse(msg, replyMti, decision), started);
        },
        (err: unknown) => log.error('request not answered: the journal did not take it', { mti: msg.mti, terminal: request.terminalId, stan: request.stan, error: err instanceof Error ? err.message : String(err) }),
      );
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    };
    const delay = faults.nextDelay();
    if (delay <= 0) return run();
    const t = setTimeout(() => {
      this.delays.delete(t);
      run();
    }, delay);
    this.delays.add(t);
  }

  /** The body did not decode. With a readable request MTI it is answered 30 (no keys to echo); otherwise dropped. */
  private garbled(conn: Connection, body: Buffer, err: unknown): void {
    const { log, metrics, codec } = this.deps;
    const reason = err instanceof CodecError ? err.message : String(err);
    metrics.rejectedFrames.inc({ reason: 'garbled' });
    const mti = readMti(body, codec.dialect.mti.encoding);
    const replyMti = mti && FINANCIAL_MTIS.has(mti) ? responseMti(mti) : null;
    if (replyMti === null) {
      log.warn('garbled frame; dropped', { peer: conn.peer, reason });
      return;
    }
    log.warn('garbled frame; answered 30', { peer: conn.peer, mti, reason });
    this.send(conn, mti!, { mti: replyMti, fields: { 39: '30' } }, process.hrtime.bigint());
  }

  private send(conn: Connection, requestMti: string, response: IsoMessage, started: bigint): void {
    const { codec, log, metrics } = this.deps;
    let body: Buffer;
    try {
      body = codec.pack(response);
    } catch (err) {
      log.error('response could not be packed; not sent', { mti: response.mti, error: err instanceof Error ? err.message : String(err) });
      return;
    }
    const code = String(response.fields[39] ?? '');
    if (!conn.channel.send({ body })) {
      log.info('connection gone before the response; not sent', { peer: conn.peer, mti: response.mti, code });
      return;
    }
    const mtiLabel = LABELLED_MTIS.has(requestMti) ? requestMti : 'other'; // garbage cannot grow the label set
    metrics.requests.inc({ mti: mtiLabel, code });
    metrics.latency.observe({ mti: mtiLabel }, Number(process.hrtime.bigint() - started) / 1e9);
  }
}

const LABELLED_MTIS = new Set([...FINANCIAL_MTIS, '0800', '0801']);

function readMti(body: Buffer, encoding: 'ascii' | 'bcd'): string | null {
  const text = encoding === 'ascii' ? body.toString('latin1', 0, 4) : body.subarray(0, 2).toString('hex');
  return /^\d{4}$/.test(text) ? text : null;
}
