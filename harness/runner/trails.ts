// Message trails: every ISO 8583 message the fleet sent or received goes, undecoded, to an append-only file during
// the run (bounded in bytes), so that a failure late in a big run still has its trail. After the run the file is
// read once: only the frames of the terminals and time windows some finding asks about are decoded, each once, and
// indexed by terminal id + STAN. A trail holds the messages of one attempt: its terminal index, its key, between
// its sending and its end (its reversal's acknowledgement), so that a STAN reused later, or by a cloned terminal
// with the same id, never mixes into it. Card data masked; PIN blocks and keys never leave this file.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { getDialect, MessageCodec, type IsoMessage } from '../iso8583';
import { maskPan } from '../security/card';
import type { TrailMessage } from '../metrics/report';

const REDACTED = new Set([52, 53, 55, 62]);
/** Frame header: body length (u32), time (f64 ms), direction (u8: 0 sent, 1 received), terminal index (u32). */
const HEADER = 17;
const FLUSH_BYTES = 256 * 1024;
/** Time the terminal may log a message before the attempt's recorded sentAt. */
const SLACK_MS = 50;

/** One attempt whose messages a finding wants. */
export interface TrailQuery {
  terminalIndex: number;
  terminalId: string;
  stan: string;
  /** ms: the attempt's sentAt, and the end of its last exchange (response, reversal acknowledgement). */
  from: number;
  to: number;
}

export class TrailRecorder {
  private fd: number | null;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private written = 0;
  private kept = 0;
  private dropped = 0;
  private codec: MessageCodec | null = null;

  constructor(private readonly file: string, private readonly maxBytes = 1024 ** 3, private readonly dialect = 'cup-pos') {
    this.fd = openSync(file, 'w');
  }

  record(direction: 'sent' | 'received', terminalIndex: number, body: Buffer, at = Date.now()): void {
    if (this.fd === null || this.written + this.pendingBytes + HEADER + body.length > this.maxBytes) {
      this.dropped++;
      return;
    }
    const head = Buffer.allocUnsafe(HEADER);
    head.writeUInt32LE(body.length, 0);
    head.writeDoubleLE(at, 4);
    head.writeUInt8(direction === 'sent' ? 0 : 1, 12);
    head.writeUInt32LE(terminalIndex, 13);
    this.pending.push(head, Buffer.from(body));
    this.pendingBytes += HEADER + body.length;
    this.kept++;
    if (this.pendingBytes >= FLUSH_BYTES) this.flush();
  }

  get droppedCount(): number {
    return this.dropped;
  }

  get size(): number {
    return this.kept;
  }

  /** Writes what is pending and closes the file (recording stops). */
  close(): void {
    if (this.fd === null) return;
    this.flush();
    closeSync(this.fd);
    this.fd = null;
  }

  /** The messages of each query, decoded and masked, in time order; reads the file once. */
  trails(queries: readonly TrailQuery[]): TrailMessage[][] {
    this.close();
    const out: TrailMessage[][] = queries.map(() => []);
    const byTerminal = new Map<number, number[]>();
    queries.forEach((q, i) => {
      const list = byTerminal.get(q.terminalIndex);
      if (list) list.push(i);
      else byTerminal.set(q.terminalIndex, [i]);
    });
    if (byTerminal.size === 0) return out;
    this.scan((at, dirByte, terminalIndex, body) => {
      const candidates = byTerminal.get(terminalIndex);
      if (!candidates) return;
      const inWindow = candidates.filter((i) => at >= queries[i].from - SLACK_MS && at <= queries[i].to);
      if (inWindow.length === 0) return;
      const m = this.decode(body);
      if (!m) return;
      const tid = field(m, 41);
      const stan = field(m, 11);
      for (const i of inWindow) {
        if (queries[i].terminalId !== tid || queries[i].stan !== stan) continue;
        out[i].push({ at, direction: dirByte === 0 ? 'sent' : 'received', terminalIndex, mti: m.mti, fields: masked(m) });
      }
    });
    for (const list of out) list.sort((a, b) => a.at - b.at);
    return out;
  }

  private flush(): void {
    if (this.fd === null || this.pendingBytes === 0) return;
    const chunk = Buffer.concat(this.pending, this.pendingBytes);
    writeSync(this.fd, chunk);
    this.written += chunk.length;
    this.pending = [];
    this.pendingBytes = 0;
  }

  private scan(visit: (at: number, dir: number, terminalIndex: number, body: Buffer) => void): void {
    const fd = openSync(this.file, 'r');
    try {
      let carry = Buffer.alloc(0);
      const chunk = Buffer.allocUnsafe(1024 * 1024);
      for (;;) {
        const n = readSync(fd, chunk, 0, chunk.length, null);
        if (n === 0) break;
        const buf = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, n)]) : chunk.subarray(0, n);
        let pos = 0;
        while (buf.length - pos >= HEADER) {
          const len = buf.readUInt32LE(pos);
          if (buf.length - pos < HEADER + len) break;
          visit(buf.readDoubleLE(pos + 4), buf.readUInt8(pos + 12), buf.readUInt32LE(pos + 13), buf.subarray(pos + HEADER, pos + HEADER + len));
          pos += HEADER + len;
        }
        carry = Buffer.from(buf.subarray(pos));
      }
    } finally {
      closeSync(fd);
    }
  }

  private decode(body: Buffer): IsoMessage | null {
    try {
      this.codec ??= new MessageCodec(getDialect(this.dialect));
      return this.codec.unpack(body);
    } catch {
      return null;
    }
  }
}

function field(m: IsoMessage, n: number): string | undefined {
  const v = m.fields[n];
  return v === undefined ? undefined : Buffer.isBuffer(v) ? v.toString('hex') : v;
}

export function masked(m: IsoMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.fields)) {
    const n = Number(k);
    if (REDACTED.has(n)) {
      out[k] = '[redacted]';
    } else if (n === 2) {
      out[k] = maskPan(String(v));
    } else if (n === 35 || n === 36) {
      const pan = String(v).split(/[=D]/)[0];
      out[k] = `${maskPan(pan)}=[redacted]`;
    } else {
      out[k] = Buffer.isBuffer(v) ? v.toString('hex').toUpperCase() : v;
    }
  }
  return out;
}
