// A socket speaking frames: used by terminal, switch and issuer alike.
import { EventEmitter } from 'node:events';
import type * as net from 'node:net';
import { CodecError, type Frame, type FramingSpec } from '../iso8583/types';
import { encodeFrame, FrameReader } from './framing';

export interface FrameChannelOptions {
  /**
   * Once a frame has started arriving, the milliseconds it may take to complete; past that the channel emits
   * 'frame-error' (a peer that stalls mid-frame holds a connection and its buffer forever otherwise) and closes.
   * Off (undefined or 0) by default.
   */
  partialFrameTimeoutMs?: number;
}

/**
 * Events: 'frame' (frame: Frame); 'frame-error' (err: CodecError), after which the socket is destroyed, since a
 * stream whose length lied (or whose frame stalled past partialFrameTimeoutMs) cannot be resynchronised;
 * 'socket-error' (err: Error), informational, followed by 'close'; 'close' () once. No 'error' event is ever
 * emitted, so none can go unhandled.
 */
export class FrameChannel extends EventEmitter {
  readonly socket: net.Socket;
  private readonly reader: FrameReader;
  private closed = false;
  private readonly partialTimeoutMs: number;
  private partialTimer: NodeJS.Timeout | null = null;

  constructor(socket: net.Socket, private readonly spec: FramingSpec, options: FrameChannelOptions = {}) {
    super();
    const ms = options.partialFrameTimeoutMs ?? 0;
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`partialFrameTimeoutMs must be a non-negative number of milliseconds, got ${String(ms)}`);
    this.partialTimeoutMs = ms;
    this.socket = socket;
    this.reader = new FrameReader(spec);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: Error) => {
      if (this.listenerCount('socket-error') > 0) this.emit('socket-error', err);
    });
    socket.on('close', () => {
      this.stopPartialTimer();
      if (this.closed) return;
      this.closed = true;
      this.emit('close');
    });
  }

  /** Writes one frame; false if the socket is gone. A frame that does not fit the framing throws CodecError. */
  send(frame: Frame): boolean {
    const bytes = encodeFrame(this.spec, frame);
    if (this.closed || this.socket.destroyed || !this.socket.writable) return false;
    this.socket.write(bytes);
    return true;
  }

  /** Graceful end: pending writes go out, then FIN. */
  close(): void {
    if (!this.socket.destroyed) this.socket.end();
  }

  destroy(): void {
    this.stopPartialTimer();
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
    } catch (err) {
      this.stopPartialTimer();
      this.socket.destroy();
      if (err instanceof CodecError) this.emit('frame-error', err);
      return;
    }
    this.watchPartialFrame(frames.length > 0);
    for (const frame of frames) {
      if (this.socket.destroyed) return;
      this.emit('frame', frame);
    }
    const failure = this.reader.failure;
    if (failure !== null && !this.socket.destroyed) {
      this.stopPartialTimer();
      this.socket.destroy();
      this.emit('frame-error', failure);
    }
  }

  /** Starts the clock when a frame begins, restarts it when a new one begins after a complete one, stops it when none is partial. */
  private watchPartialFrame(completedOne: boolean): void {
    if (this.partialTimeoutMs === 0) return;
    if (this.reader.buffered === 0) {
      this.stopPartialTimer();
      return;
    }
    if (this.partialTimer !== null && !completedOne) return;
    this.stopPartialTimer();
    const startedAt = this.reader.streamOffset;
    this.partialTimer = setTimeout(() => {
      this.partialTimer = null;
      if (this.socket.destroyed) return;
      const err = new CodecError(`partial frame: ${this.reader.buffered} bytes, not completed within ${this.partialTimeoutMs} ms`, startedAt);
      this.socket.destroy();
      this.emit('frame-error', err);
    }, this.partialTimeoutMs);
    this.partialTimer.unref();
  }

  private stopPartialTimer(): void {
    if (this.partialTimer !== null) {
      clearTimeout(this.partialTimer);
      this.partialTimer = null;
    }
  }
}
