// Frames on a stream: [length][TPDU 5][header n][body]. Separate from the codec: this knows nothing of fields.
import { CodecError, type Frame, type FramingSpec } from '../iso8583/types';
import { readLength, writeLength } from './length-prefix';

export type { Frame, FramingSpec } from '../iso8583/types';

export const TPDU_BYTES = 5;

/** Bytes between the length and the body. */
export function preambleLength(spec: FramingSpec): number {
  return (spec.tpdu ? TPDU_BYTES : 0) + spec.headerLength;
}

/** The wire bytes of one frame. CodecError when the TPDU or header does not match the spec, or it is too long. */
export function encodeFrame(spec: FramingSpec, frame: Frame): Buffer {
  if (frame === null || typeof frame !== 'object' || !Buffer.isBuffer(frame.body)) throw new CodecError('a frame needs a body Buffer', 0);
  const { tpdu, header, body } = frame;
  if (spec.tpdu) {
    if (!Buffer.isBuffer(tpdu) || tpdu.length !== TPDU_BYTES) throw new CodecError(`the framing needs a ${TPDU_BYTES}-byte TPDU`, 0);
  } else if (tpdu !== undefined && tpdu.length > 0) {
    throw new CodecError('the framing has no TPDU, but the frame carries one', 0);
  }
  if (spec.headerLength > 0) {
    if (!Buffer.isBuffer(header) || header.length !== spec.headerLength) throw new CodecError(`the framing needs a ${spec.headerLength}-byte header`, 0);
  } else if (header !== undefined && header.length > 0) {
    throw new CodecError('the framing has no header, but the frame carries one', 0);
  }
  if (body.length === 0) throw new CodecError('empty body', 0);
  const preamble = preambleLength(spec);
  const declared = spec.length.includesHeader ? preamble + body.length : body.length;
  if (declared > spec.maxFrameLength) throw new CodecError(`frame length ${declared} exceeds the maximum ${spec.maxFrameLength}`, 0);
  const prefix = spec.length.bytes;
  const out = Buffer.allocUnsafe(prefix + preamble + body.length);
  writeLength(spec.length, declared, out);
  let pos = prefix;
  if (spec.tpdu) pos += tpdu!.copy(out, pos);
  if (spec.headerLength > 0) pos += header!.copy(out, pos);
  body.copy(out, pos);
  return out;
}

/** The TPDU of a reply: same id, destination and source swapped (60 0003 0000 → 60 0000 0003). */
export function replyTpdu(tpdu: Buffer): Buffer {
  if (!Buffer.isBuffer(tpdu) || tpdu.length !== TPDU_BYTES) throw new CodecError(`a TPDU is ${TPDU_BYTES} bytes`, 0);
  return Buffer.from([tpdu[0], tpdu[3], tpdu[4], tpdu[1], tpdu[2]]);
}

/**
 * Cuts a byte stream into frames: partial reads are kept, several frames in one read all come out. A length
 * that lies (zero, over maxFrameLength, shorter than TPDU + header, not of its encoding) throws CodecError, and
 * so does every later push: a stream out of step cannot be resynchronised. When good frames precede the lie in
 * the same chunk, push returns them and sets `failure`; the next push throws it. Frames are views of the chunks
 * or of the reader's own buffer, never overwritten afterwards.
 */
export class FrameReader {
  /**
   * Unconsumed bytes are `store[start..end)`. A partial frame is copied into `store`, which grows by doubling (or
   * straight to the announced frame size), so a peer writing one byte at a time costs linear, not quadratic, time.
   * Bytes before `start` may be returned frames' views: they are never overwritten, and a store that frames were
   * cut from is dropped rather than reused once it empties.
   */
  private store: Buffer | null = null;
  private start = 0;
  private end = 0;
  private failure_: CodecError | null = null;
  private readonly preamble: number;
  private readonly prefix: number;
  /** Bytes read from the stream before `start`, so error offsets are stream offsets. */
  private consumed = 0;

  constructor(private readonly spec: FramingSpec) {
    this.preamble = preambleLength(spec);
    this.prefix = spec.length.bytes;
  }

  get buffered(): number {
    return this.end - this.start;
  }

  /** The stream offset of the first unconsumed byte (where a partial frame starts). */
  get streamOffset(): number {
    return this.consumed;
  }

  /** The lie that stopped this reader, or null. */
  get failure(): CodecError | null {
    return this.failure_;
  }

  push(chunk: Buffer): Frame[] {
    if (this.failure_ !== null) throw this.failure_;
    let buf: Buffer;
    let pos: number;
    if (this.store === null || this.end === this.start) {
      buf = chunk;
      pos = 0;
    } else {
      this.append(chunk);
      buf = this.store;
      pos = this.start;
    }
    const limit = buf === chunk ? chunk.length : this.end;
    const from = pos;
    const frames: Frame[] = [];
    try {
      while (limit - pos >= this.prefix) {
        const total = this.prefix + this.frameBytes(buf, pos, from);
        if (limit - pos < total) break;
        frames.push(this.cut(buf, pos, total));
        pos += total;
      }
    } catch (err) {
      this.failure_ = err as CodecError;
      this.store = null;
      this.start = this.end = 0;
      if (frames.length === 0) throw err;
      return frames;
    }
    this.consumed += pos - from;
    if (buf === chunk) {
      this.store = null;
      this.start = this.end = 0;
      if (pos < limit) this.keep(chunk, pos, limit);
    } else if (pos === limit) {
      this.store = null;
      this.start = this.end = 0;
    } else {
      this.start = pos;
    }
    return frames;
  }

  /** Starts a store with the partial frame `chunk[from..to)`, sized for the whole frame when its length is known. */
  private keep(chunk: Buffer, from: number, to: number): void {
    const rest = to - from;
    let size = Math.max(64, rest * 2);
    if (rest >= this.prefix) size = Math.max(size, this.prefix + this.frameBytes(chunk, from, from));
    this.store = Buffer.allocUnsafe(size);
    chunk.copy(this.store, 0, from, to);
    this.start = 0;
    this.end = rest;
  }

  /** Adds `chunk` after the unconsumed bytes, moving them to a larger store when it is full. */
  private append(chunk: Buffer): void {
    const store = this.store!;
    if (this.end + chunk.length > store.length) {
      const pending = this.end - this.start;
      const grown = Buffer.allocUnsafe(Math.max(2 * store.length, pending + chunk.length));
      store.copy(grown, 0, this.start, this.end);
      this.store = grown;
      this.start = 0;
      this.end = pending;
    }
    chunk.copy(this.store!, this.end);
    this.end += chunk.length;
  }

  /** Bytes after the length prefix, from the declared length; throws when it lies. */
  private frameBytes(buf: Buffer, pos: number, from: number): number {
    const at = this.consumed + pos - from;
    let declared: number;
    try {
      declared = readLength(this.spec.length, buf, pos);
    } catch (err) {
      throw new CodecError((err as CodecError).reason, at + (err as CodecError).offset - pos);
    }
    if (declared === 0) throw new CodecError('frame length 0', at);
    if (declared > this.spec.maxFrameLength) throw new CodecError(`frame length ${declared} exceeds the maximum ${this.spec.maxFrameLength}`, at);
    if (!this.spec.length.includesHeader) return this.preamble + declared;
    if (declared <= this.preamble) throw new CodecError(`frame length ${declared} leaves no body after the ${this.preamble}-byte TPDU and header`, at);
    return declared;
  }

  private cut(buf: Buffer, pos: number, total: number): Frame {
    let p = pos + this.prefix;
    const frame: Frame = { body: buf } as Frame;
    if (this.spec.tpdu) {
      frame.tpdu = buf.subarray(p, p + TPDU_BYTES);
      p += TPDU_BYTES;
    }
    if (this.spec.headerLength > 0) {
      frame.header = buf.subarray(p, p + this.spec.headerLength);
      p += this.spec.headerLength;
    }
    frame.body = buf.subarray(p, pos + total);
    return frame;
  }
}

/** Reads one complete frame from bytes that hold exactly one (for tools such as `posfault decode`). */
export function decodeFrame(spec: FramingSpec, bytes: Buffer): Frame {
  const reader = new FrameReader(spec);
  const frames = reader.push(bytes);
  if (reader.failure !== null) throw reader.failure;
  if (frames.length === 0) {
    const announced = bytes.length < spec.length.bytes ? '' : `, the length announces ${spec.length.bytes + afterPrefix(spec, readLength(spec.length, bytes, 0))}`;
    throw new CodecError(`incomplete frame: ${bytes.length} bytes${announced}`, bytes.length);
  }
  const used = spec.length.bytes + preambleLength(spec) + frames[0].body.length;
  if (used !== bytes.length) throw new CodecError(`${bytes.length - used} bytes after the end of the frame`, used);
  return frames[0];
}

function afterPrefix(spec: FramingSpec, declared: number): number {
  return spec.length.includesHeader ? declared : preambleLength(spec) + declared;
}
