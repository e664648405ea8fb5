// The issuer side: a pool of long connections, requests written to any of them, responses matched back by
// response MTI class + 11 + 41 + 37 (the RRN the switch assigned makes the key unique within a run). One request
// per key is out at a time: a second with the same key (a terminal repeating its 0400 while the first is still at
// the issuer) waits for the first to end, then goes out, as an acquirer host that keeps one outstanding request per
// transaction does; each gets its own answer, and the issuer's idempotent reversals make the repeat harmless.
import * as net from 'node:net';
import type { MessageCodec } from '../iso8583/codec';
import { CodecError, type FramingSpec, type IsoMessage } from '../iso8583/types';
import type { Logger } from '../log';
import { FrameChannel } from '../net/channel';
import type { SwitchMetrics } from './metrics';
import { responseMti } from './responses';

/** answered; timeout (no answer by the deadline); link-lost (the connection closed, or the mux was closed, after
 *  the request went out); unreachable (no connection could be made: nothing was sent); hangup (the caller stopped
 *  waiting after the request went out); abandoned (the caller stopped waiting before anything was sent); closed
 *  (the mux was closed before the request went out); superseded (it went out with no deadline, and a repeat with
 *  the same key took its place: the repeat carries the answer). */
export type IssuerOutcome = 'answered' | 'timeout' | 'link-lost' | 'unreachable' | 'hangup' | 'abandoned' | 'closed' | 'superseded';

export interface IssuerResult {
  outcome: IssuerOutcome;
  response?: IsoMessage;
}

export interface IssuerRequestOptions {
  /** Epoch ms; without it the request waits for the answer, the link's loss or the signal. */
  deadline?: number;
  signal?: AbortSignal;
}

interface Pending {
  key: string;
  link: Link;
  /** Epoch ms, absent when the request waits for its answer however long it takes. */
  deadline: number | undefined;
  sentAt: number;
  settle: (result: IssuerResult) => void;
}

interface Link {
  socket: net.Socket;
  channel: FrameChannel;
  up: boolean;
  corked: boolean;
  pending: Set<Pending>;
}

const CONNECT_TIMEOUT_MS = 3000;

function matchKey(mtiClass: string, fields: IsoMessage['fields']): string {
  return `${mtiClass}|${String(fields[11] ?? '')}|${String(fields[41] ?? '')}|${String(fields[37] ?? '')}`;
}

export interface IssuerMuxOptions {
  host: string;
  port: number;
  connections: number;
  codec: MessageCodec;
  framing: FramingSpec;
  metrics: SwitchMetrics;
  log: Logger;
}

export class IssuerMux {
  private readonly slots: (Link | undefined)[];
  private readonly connecting: (Promise<Link | undefined> | undefined)[];
  private readonly pending = new Map<string, Pending>();
  /** Per match key, the request that holds it (settles when that request ends, whatever the outcome). */
  private readonly turns = new Map<string, Promise<void>>();
  private next = 0;
  private closed = false;
  private unreachable = false;

  constructor(private readonly opts: IssuerMuxOptions) {
    this.slots = new Array<Link | undefined>(opts.connections);
    this.connecting = new Array<Promise<Link | undefined> | undefined>(opts.connections);
  }

  /** Sends `msg` and resolves with the issuer's answer or why there is none; never rejects for network reasons. */
  async request(msg: IsoMessage, options: IssuerRequestOptions = {}): Promise<IssuerResult> {
    if (this.closed) return { outcome: 'closed' };
    if (options.signal?.aborted) return { outcome: 'abandoned' };
    const key = matchKey(responseMti(msg.mti).slice(0, 3), msg.fields);
    for (let ahead = this.turns.get(key); ahead !== undefined; ahead = this.turns.get(key)) {
      const out = this.pending.get(key);
      if (out !== undefined && out.deadline === undefined) {
        // Nothing would ever end the wait for an answer that may have been lost (no issuer timeout): the repeat
        // goes out in its place, as a switch without one would send it.
        this.opts.log.info('a repeat supersedes an issuer request that had no deadline', { mti: msg.mti, stan: String(msg.fields[11] ?? '') });
        out.settle({ outcome: 'superseded' });
      }
      this.opts.log.debug('issuer request waits for an earlier one with the same key', { mti: msg.mti, stan: String(msg.fields[11] ?? '') });
      const stopped = await this.waitFor(ahead, options);
      if (stopped !== undefined) return stopped;
    }
    if (this.closed) return { outcome: 'closed' };
    let release!: () => void;
    const turn = new Promise<void>((r) => { release = r; });
    this.turns.set(key, turn);
    try {
      return await this.send(msg, key, options);
    } finally {
      if (this.turns.get(key) === turn) this.turns.delete(key);
      release();
    }
  }

  /** Waits for the request ahead with the same key to end; a result when the deadline or the signal came first. */
  private waitFor(ahead: Promise<void>, options: IssuerRequestOptions): Promise<IssuerResult | undefined> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (result: IssuerResult | undefined) => {
        if (timer !== undefined) clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const onAbort = () => finish({ outcome: 'abandoned' });
      if (options.deadline !== undefined) {
        timer = setTimeout(() => {
          this.opts.metrics.issuerTimeouts.inc();
          finish({ outcome: 'timeout' });
        }, Math.max(0, options.deadline - Date.now()));
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      void ahead.then(() => finish(undefined));
    });
  }

  private async send(msg: IsoMessage, key: string, options: IssuerRequestOptions): Promise<IssuerResult> {
    const link = this.upLink() ?? (await this.connectAny(options.deadline));
    if (link === undefined) return { outcome: this.closed ? 'closed' : 'unreachable' };
    if (options.signal?.aborted) return { outcome: 'abandoned' };
    const body = this.opts.codec.pack(msg); // a CodecError here is the caller's bug, not the issuer's
    return new Promise<IssuerResult>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const signal = options.signal;
      const pending: Pending = {
        key,
        link,
        deadline: options.deadline,
        sentAt: performance.now(),
        settle: (result) => {
          if (timer !== undefined) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          if (this.pending.get(key) === pending) this.pending.delete(key);
          link.pending.delete(pending);
          resolve(result);
        },
      };
      const onAbort = () => pending.settle({ outcome: 'hangup' });
      this.pending.set(key, pending);
      link.pending.add(pending);
      if (options.deadline !== undefined) {
        timer = setTimeout(() => {
          this.opts.metrics.issuerTimeouts.inc();
          pending.settle({ outcome: 'timeout' });
        }, Math.max(0, options.deadline - Date.now()));
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.opts.metrics.issuerRequests.inc({ mti: msg.mti });
      if (!link.corked) {
        // Requests started in the same turn of the event loop leave in one write.
        link.corked = true;
        link.socket.cork();
        process.nextTick(() => {
          link.corked = false;
          link.socket.uncork();
        });
      }
      link.channel.send({ body });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    // Already sent: the issuer may have acted on them, so they end as a lost link would (98, and SAF).
    for (const p of [...this.pending.values()]) p.settle({ outcome: 'link-lost' });
    const waits: Promise<void>[] = [];
    for (const link of this.slots) {
      if (link === undefined) continue;
      waits.push(new Promise<void>((resolve) => {
        if (link.socket.destroyed) return resolve();
        link.socket.once('close', () => resolve());
        link.socket.destroy();
      }));
    }
    await Promise.all(waits);
  }

  /** A live link, round-robin; starts filling empty slots in the background. */
  private upLink(): Link | undefined {
    const n = this.slots.length;
    let found: Link | undefined;
    for (let i = 0; i < n; i++) {
      const idx = (this.next + i) % n;
      const link = this.slots[idx];
      if (link?.up) {
        if (found === undefined) {
          found = link;
          this.next = idx + 1;
        }
      } else if (found !== undefined && this.connecting[idx] === undefined) {
        void this.connectSlot(idx, undefined);
      }
    }
    return found;
  }

  private async connectAny(deadline: number | undefined): Promise<Link | undefined> {
    const attempts: Promise<Link | undefined>[] = [];
    for (let i = 0; i < this.slots.length; i++) attempts.push(this.connecting[i] ?? this.connectSlot(i, deadline));
    // The first slot that comes up serves the request.
    return new Promise<Link | undefined>((resolve) => {
      let left = attempts.length;
      for (const a of attempts) {
        void a.then((link) => {
          left--;
          if (link !== undefined) resolve(link);
          else if (left === 0) resolve(this.upLink());
        });
      }
    });
  }

  private connectSlot(idx: number, deadline: number | undefined): Promise<Link | undefined> {
    const wait = Math.max(1, Math.min(CONNECT_TIMEOUT_MS, deadline === undefined ? CONNECT_TIMEOUT_MS : deadline - Date.now()));
    const attempt = new Promise<Link | undefined>((resolve) => {
      if (this.closed) return resolve(undefined);
      const socket = net.connect({ host: this.opts.host, port: this.opts.port });
      socket.setNoDelay(true);
      const timer = setTimeout(() => socket.destroy(new Error(`connect timed out after ${wait} ms`)), wait);
      const fail = (err: Error) => {
        clearTimeout(timer);
        // Said once per outage, not once per request while the issuer refuses.
        if (!this.unreachable) this.opts.log.warn('cannot connect to the issuer', { host: this.opts.host, port: this.opts.port, error: err.message });
        this.unreachable = true;
        resolve(undefined);
      };
      socket.once('error', fail);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.removeListener('error', fail);
        if (this.closed) {
          socket.destroy();
          return resolve(undefined);
        }
        if (this.unreachable) this.opts.log.warn('connected to the issuer again', { host: this.opts.host, port: this.opts.port });
        this.unreachable = false;
        resolve(this.attach(idx, socket));
      });
    });
    this.connecting[idx] = attempt;
    void attempt.then(() => { this.connecting[idx] = undefined; });
    return attempt;
  }

  private attach(idx: number, socket: net.Socket): Link {
    const channel = new FrameChannel(socket, this.opts.framing);
    const link: Link = { socket, channel, up: true, corked: false, pending: new Set() };
    this.slots[idx] = link;
    socket.on('error', (err) => this.opts.log.info('issuer connection error', { slot: idx, error: err.message }));
    channel.on('frame', (frame: { body: Buffer }) => this.onFrame(frame.body));
    channel.on('frame-error', (err: Error) => {
      this.opts.log.warn('unreadable frame from the issuer, link dropped', { slot: idx, error: err.message });
      socket.destroy();
    });
    channel.on('close', () => {
      link.up = false;
      if (this.slots[idx] === link) this.slots[idx] = undefined;
      if (link.pending.size > 0 && !this.closed) {
        this.opts.log.warn('issuer link lost with requests in flight', { slot: idx, inFlight: link.pending.size });
        this.opts.metrics.issuerTimeouts.inc(link.pending.size);
      }
      for (const p of [...link.pending]) p.settle({ outcome: 'link-lost' });
    });
    return link;
  }

  private onFrame(body: Buffer): void {
    let msg: IsoMessage;
    try {
      msg = this.opts.codec.unpack(body);
    } catch (err) {
      const reason = err instanceof CodecError ? err.message : String(err);
      this.opts.log.warn('undecodable message from the issuer, ignored', { reason });
      return;
    }
    const pending = this.pending.get(matchKey(msg.mti.slice(0, 3), msg.fields));
    if (pending === undefined) {
      this.opts.log.info('issuer answer matches no request in flight (late or unknown), ignored', { mti: msg.mti, stan: String(msg.fields[11] ?? '') });
      return;
    }
    this.opts.metrics.issuerLatency.observe((performance.now() - pending.sentAt) / 1000);
    pending.settle({ outcome: 'answered', response: msg });
  }
}
