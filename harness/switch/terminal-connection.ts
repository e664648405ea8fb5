// One terminal line: frames in, each request through the pipeline, responses out in whatever order they finish
// (a long connection carries many requests at once; the terminal matches by MTI + 41 + 11).
import { setMaxListeners } from 'node:events';
import type * as net from 'node:net';
import { CodecError, type Frame, type FramingSpec, type IsoMessage } from '../iso8583/types';
import { FrameChannel } from '../net/channel';
import { preambleLength, replyTpdu } from '../net/framing';
import { computeMacWith } from '../security';
import { RC } from './codes';
import { Exchange, type SwitchServices } from './exchange';
import { macKey } from './mac-key';
import { mtiLabel } from './metrics';
import { runPipeline, type Participant } from './pipeline';
import { buildResponse, carriesMac, isRequestMti } from './responses';
import type { Salvager } from './salvage';
import type { TerminalSession } from './terminal-session';

export interface TerminalConnectionOptions {
  services: SwitchServices;
  framing: FramingSpec;
  salvage: Salvager;
  /** The pipeline in force when a request arrives (a safeguard switched at runtime applies to later requests). */
  pipeline: () => readonly Participant[];
  idleTimeoutMs: number;
  partialFrameTimeoutMs: number;
  /** Every request being processed on any line, so that closing the switch can wait for them. */
  inFlight: Set<Promise<void>>;
}

export class TerminalConnection {
  private readonly channel: FrameChannel;
  private readonly hangup = new AbortController();
  private inFlight = 0;
  private corked = false;
  /** Bytes read and bytes of whole frames: what is left at the close is a frame the terminal cut short. */
  private received = 0;
  private consumed = 0;
  private framingFailed = false;

  constructor(readonly socket: net.Socket, private readonly opts: TerminalConnectionOptions) {
    const log = opts.services.log;
    setMaxListeners(0, this.hangup.signal); // one listener per request in flight on a long connection
    this.channel = new FrameChannel(socket, opts.framing, { partialFrameTimeoutMs: opts.partialFrameTimeoutMs });
    const overhead = opts.framing.length.bytes + preambleLength(opts.framing);
    socket.on('data', (chunk: Buffer) => { this.received += chunk.length; });
    this.channel.on('frame', (frame: Frame) => {
      this.consumed += overhead + frame.body.length;
      this.onFrame(frame);
    });
    this.channel.on('frame-error', (err: CodecError) => {
      this.framingFailed = true;
      opts.services.metrics.frameErrors.inc({ reason: 'framing' });
      log.warn('unreadable frame from a terminal, line dropped', { remote: this.remote(), reason: err.message });
    });
    this.channel.on('socket-error', (err: Error) => log.debug('terminal socket error', { remote: this.remote(), error: err.message }));
    this.channel.on('close', () => {
      this.hangup.abort();
      const partial = this.received - this.consumed;
      if (partial > 0 && !this.framingFailed) log.warn('terminal hung up mid-frame, partial frame dropped', { remote: this.remote(), bytes: partial });
    });
    if (opts.idleTimeoutMs > 0) {
      socket.setTimeout(opts.idleTimeoutMs);
      socket.on('timeout', () => {
        if (this.inFlight > 0) {
          socket.setTimeout(opts.idleTimeoutMs);
          return;
        }
        log.info('terminal line idle, hung up', { remote: this.remote(), idleMs: opts.idleTimeoutMs });
        socket.destroy();
      });
    }
  }

  onClose(listener: () => void): void {
    this.channel.once('close', listener);
  }

  destroy(): void {
    this.channel.destroy();
  }

  private remote(): string {
    return `${this.socket.remoteAddress ?? '?'}:${this.socket.remotePort ?? '?'}`;
  }

  private onFrame(frame: Frame): void {
    const services = this.opts.services;
    let request: IsoMessage;
    try {
      request = services.terminalCodec.unpack(frame.body);
    } catch (err) {
      this.onUndecodable(frame, err);
      return;
    }
    if (!isRequestMti(request.mti)) {
      services.metrics.dropped.inc({ reason: 'not-a-request' });
      services.log.warn('terminal sent a non-request MTI, dropped', { remote: this.remote(), mti: request.mti });
      return;
    }
    this.process(frame, request);
  }

  /** 30 when the MTI, 11 and 41 can still be read; otherwise the frame is dropped (the line stays up). */
  private onUndecodable(frame: Frame, err: unknown): void {
    const services = this.opts.services;
    const reason = err instanceof CodecError ? err.message : String(err);
    services.metrics.frameErrors.inc({ reason: 'decode' });
    const partial = this.opts.salvage(frame.body);
    const f = partial?.fields;
    if (partial === undefined || !isRequestMti(partial.mti) || typeof f?.[11] !== 'string' || typeof f?.[41] !== 'string') {
      services.metrics.dropped.inc({ reason: 'undecodable' });
      services.log.warn('undecodable terminal message, dropped', { remote: this.remote(), reason });
      return;
    }
    services.log.warn('undecodable terminal request, answered 30', { remote: this.remote(), mti: partial.mti, terminal: f[41], stan: f[11], reason });
    services.metrics.requests.inc({ mti: mtiLabel(partial.mti) });
    const response = buildResponse(partial, RC.formatError, { at: new Date(), acquirerId: services.config.acquirerId, rrn: () => services.rrn.next() });
    this.reply(frame, response, this.sessionFor(partial), partial.mti, performance.now());
  }

  private process(frame: Frame, request: IsoMessage): void {
    const services = this.opts.services;
    const started = performance.now();
    services.metrics.requests.inc({ mti: mtiLabel(request.mti) });
    services.metrics.inFlight.inc();
    this.inFlight++;
    const ex = new Exchange(services, request, frame.body, new Date(), this.hangup.signal);
    const done: Promise<void> = runPipeline(this.opts.pipeline(), ex)
      .catch((err: unknown) => {
        services.log.error('request failed inside the switch, answered 96', { terminal: ex.terminalId, stan: ex.stan, mti: ex.mti, error: err instanceof Error ? err.message : String(err) });
        ex.respond(RC.systemMalfunction);
      })
      .then(() => {
        if (ex.response !== undefined) this.reply(frame, ex.response, ex.session ?? this.sessionFor(request), request.mti, started);
      })
      .finally(() => {
        this.inFlight--;
        services.metrics.inFlight.dec();
        this.opts.inFlight.delete(done);
      })
      .catch(() => undefined);
    this.opts.inFlight.add(done);
  }

  /** Responses finished in the same turn of the event loop leave in one write (one syscall, not one each). */
  private corkUntilNextTick(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    process.nextTick(() => {
      this.corked = false;
      this.socket.uncork();
    });
  }

  /** The session whose MAK signs a response to a request the pipeline did not attach one to. */
  private sessionFor(request: IsoMessage): TerminalSession | undefined {
    const session = this.opts.services.sessions.get(String(request.fields[41] ?? ''));
    return session !== undefined && session.merchantId === request.fields[42] ? session : undefined;
  }

  private pack(response: IsoMessage, session: TerminalSession | undefined): Buffer {
    const services = this.opts.services;
    if (session === undefined || !carriesMac(response.mti)) return services.terminalCodec.pack(response);
    const key = macKey(session.mak, services.mac.keyBytes);
    return services.terminalCodec.packWithMac(response, (mab) => computeMacWith(services.mac, key, mab));
  }

  private reply(frame: Frame, response: IsoMessage, session: TerminalSession | undefined, requestMti: string, started: number): void {
    const services = this.opts.services;
    if (this.hangup.signal.aborted) {
      services.metrics.dropped.inc({ reason: 'hung-up' });
      services.log.info('terminal hung up before its response', { mti: response.mti, terminal: String(response.fields[41] ?? ''), stan: String(response.fields[11] ?? '') });
      return;
    }
    let body: Buffer;
    try {
      body = this.pack(response, session);
    } catch (err) {
      services.log.error('response could not be encoded, answered 96 instead', { mti: response.mti, error: err instanceof Error ? err.message : String(err) });
      const fallback: IsoMessage = { mti: response.mti, fields: { 11: response.fields[11], 41: response.fields[41], 42: response.fields[42], 39: RC.systemMalfunction } };
      body = this.pack(fallback, session);
      response = fallback;
    }
    this.corkUntilNextTick();
    const sent = this.channel.send({ tpdu: frame.tpdu === undefined ? undefined : replyTpdu(frame.tpdu), header: frame.header, body });
    if (!sent) {
      services.metrics.dropped.inc({ reason: 'hung-up' });
      return;
    }
    services.metrics.responses.inc({ mti: mtiLabel(response.mti), code: String(response.fields[39] ?? '') });
    services.metrics.latency.observe({ mti: mtiLabel(requestMti) }, (performance.now() - started) / 1000);
  }
}
