// The terminal's line to the switch: dialling (with the failures a modem reports), one request and its
// response, hanging up. Long connections use the same Connection and simply keep it.
import { connect } from 'node:net';
import type { Frame, IsoMessage } from '../iso8583/types';
import { FrameChannel } from '../net/channel';
import type { TimerWheel, WheelTimer } from './timer-wheel';
import type { Wire } from './wire';

/** no-dial-tone: connection refused; line-busy: accepted and dropped at once; connect-timeout: nobody answered. */
export type DialFailure = 'no-dial-tone' | 'line-busy' | 'connect-timeout';

/** Errors that mean the call never reached anything that could answer: no route, no network, no such host. */
const NO_DIAL_TONE = new Set([
  'ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EHOSTDOWN', 'ENETDOWN', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME',
]);

/** How a modem would report a connect error: no dial tone, a timeout, or (the far end reset the call) line busy. */
export function dialFailureOf(code: string | undefined): DialFailure {
  if (code !== undefined && NO_DIAL_TONE.has(code)) return 'no-dial-tone';
  if (code === 'ETIMEDOUT') return 'connect-timeout';
  return 'line-busy';
}

export type ExchangeResult =
  | { kind: 'response'; msg: IsoMessage; body: Buffer }
  /** sent: the request may have reached the switch (a timeout, or the line dropped after it went out). */
  | { kind: 'no-response'; sent: boolean }
  | { kind: 'dial-failed'; reason: DialFailure };

export interface LineStats {
  lateResponses: number;
  badFrames: number;
  dialFailures: Record<DialFailure, number>;
  dials: number;
}

export interface LineContext {
  wire: Wire;
  wheel: TimerWheel;
  host: string;
  port: number;
  connectMs: number;
  /** Dial-up only: how long a fresh call must stay up before it counts as connected (a busy pool drops it at once). */
  carrierMs: number;
  stats: LineStats;
  trail: ((terminalIndex: number, direction: 'out' | 'in', body: Buffer) => void) | null;
  /** Every open connection, so that closing the fleet can hang them all up. */
  live: Set<Connection>;
}

export interface Expectation {
  mti: string;
  terminalId: string;
  stan: string;
}

interface Waiter {
  expect: Expectation;
  timer: WheelTimer;
  resolve: (r: ExchangeResult) => void;
}

export class Connection {
  private waiting: Waiter | null = null;
  private hungUp = false;
  closed = false;

  constructor(
    private readonly channel: FrameChannel,
    private readonly ctx: LineContext,
    private readonly terminalIndex: number,
  ) {
    channel.on('frame', (f: Frame) => this.onFrame(f.body));
    channel.on('frame-error', () => {
      ctx.stats.badFrames++;
    });
    channel.on('close', () => this.onClose());
    ctx.live.add(this);
  }

  /** Sends one request and waits for the response that matches its MTI, 41 and 11. */
  exchange(body: Buffer, expect: Expectation, timeoutMs: number): Promise<ExchangeResult> {
    if (this.closed || this.waiting !== null) return Promise.resolve({ kind: 'no-response', sent: false });
    return new Promise<ExchangeResult>((resolve) => {
      const timer = this.ctx.wheel.after(timeoutMs, () => {
        this.waiting = null;
        resolve({ kind: 'no-response', sent: true });
      });
      this.waiting = { expect, timer, resolve };
      this.ctx.trail?.(this.terminalIndex, 'out', body);
      if (!this.channel.send(this.ctx.wire.frame(body))) {
        this.ctx.wheel.cancel(timer);
        this.waiting = null;
        resolve({ kind: 'no-response', sent: false });
      }
    });
  }

  hangUp(): void {
    this.hungUp = true;
    this.closed = true;
    this.ctx.live.delete(this);
    this.channel.destroy();
  }

  private onFrame(body: Buffer): void {
    this.ctx.trail?.(this.terminalIndex, 'in', body);
    let msg: IsoMessage;
    try {
      msg = this.ctx.wire.codec.unpack(body);
    } catch {
      this.ctx.stats.badFrames++;
      return;
    }
    const w = this.waiting;
    if (w !== null && msg.mti === w.expect.mti && msg.fields[41] === w.expect.terminalId && msg.fields[11] === w.expect.stan) {
      this.ctx.wheel.cancel(w.timer);
      this.waiting = null;
      // The body is a view of the socket's chunk; keep a copy of our own for the MAC check and the trail.
      w.resolve({ kind: 'response', msg, body: Buffer.from(body) });
      return;
    }
    // A response to a request already given up on, or one that names another terminal or STAN.
    this.ctx.stats.lateResponses++;
  }

  /** Hangs up with the request (if any) unanswered: what a power cut looks like from the terminal. */
  abort(): void {
    const w = this.waiting;
    this.hangUp();
    if (w !== null) {
      this.ctx.wheel.cancel(w.timer);
      this.waiting = null;
      w.resolve({ kind: 'no-response', sent: true });
    }
  }

  private onClose(): void {
    this.closed = true;
    this.ctx.live.delete(this);
    const w = this.waiting;
    if (w !== null && !this.hungUp) {
      this.ctx.wheel.cancel(w.timer);
      this.waiting = null;
      w.resolve({ kind: 'no-response', sent: true });
    }
  }
}

/** One call: connect, wait for the carrier (dial-up), hand back a Connection or why the dial failed. */
export function dial(ctx: LineContext, terminalIndex: number, dialup: boolean): Promise<Connection | DialFailure> {
  ctx.stats.dials++;
  return new Promise((resolve) => {
    const socket = connect({ host: ctx.host, port: ctx.port });
    let settled = false;
    let carrier: WheelTimer | null = null;
    const finish = (result: Connection | DialFailure) => {
      if (settled) return;
      settled = true;
      ctx.wheel.cancel(timer);
      ctx.wheel.cancel(carrier);
      socket.removeListener('error', onError);
      socket.removeListener('close', onClose);
      socket.removeListener('end', onClose);
      if (typeof result === 'string') {
        socket.destroy();
        ctx.stats.dialFailures[result]++;
      }
      resolve(result);
    };
    const onError = (err: NodeJS.ErrnoException) => finish(dialFailureOf(err.code));
    const onClose = () => finish('line-busy');
    const up = () => {
      if (settled) return;
      finish(new Connection(new FrameChannel(socket, ctx.wire.dialect.framing), ctx, terminalIndex));
    };
    const timer = ctx.wheel.after(ctx.connectMs, () => finish('connect-timeout'));
    socket.once('error', onError);
    socket.once('close', onClose);
    socket.once('connect', () => {
      if (!dialup || ctx.carrierMs <= 0) return up();
      socket.once('end', onClose);
      socket.resume();
      carrier = ctx.wheel.after(ctx.carrierMs, up);
    });
  });
}
