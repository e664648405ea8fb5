// A socket speaking frames: used by terminal, switch and issuer alike.
import { EventEmitter } from 'node:events';
import type * as net from 'node:net';
import { CodecError, type Frame, type FramingSpec } from '../iso8583/types';
import { encodeFrame, FrameReader } from './framing';

/**
 * Events: 'frame' (frame: Frame); 'frame-error' (err: CodecError), after which the socket is destroyed, since a
 * stream whose length lied cannot be resynchronised; 'socket-error' (err: Error), informational, followed by
 * 'close'; 'close' () once. No 'error' event is ever emitted, so none can go unhandled.
 */
export class FrameChannel extends EventEmitter {
  readonly socket: net.Socket;
  private readonly reader: FrameReader;
  private closed = false;

  constructor(socket: net.Socket, private readonly spec: FramingSpec) {
    super();
    this.socket = socket;
    this.reader = new FrameReader(spec);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: Error) => {
      if (this.listenerCount('socket-error') > 0) this.emit('socket-error', err);
    });
    socket.on('close', () => {
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
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
    } catch (err) {
      this.socket.destroy();
      if (err instanceof CodecError) this.emit('frame-error', err);
      return;
    }
    for (const frame of frames) {
      if (this.socket.destroyed) return;
      this.emit('frame', frame);
    }
    const failure = this.reader.failure;
    if (failure !== null && !this.socket.destroyed) {
      this.socket.destroy();
      this.emit('frame-error', failure);
    }
  }
}
