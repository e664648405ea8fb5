// Message trails: every ISO 8583 message the fleet sent or received is decoded as it passes, masked by its dialect's
// marks (PAN first 6 / last 4, track data and ICC card data masked, PIN blocks and key material redacted) and only
// then appended to a file (bounded in bytes), so that a failure late in a big run still has its trail and no clear
// card data or key ever reaches the disk. After the run the file is read once and indexed by terminal id + STAN. A
// trail holds the messages of one attempt: its terminal index, its key, between its sending and its end (its
// reversal's acknowledgement), so that a STAN reused later, or by a cloned terminal with the same id, never mixes in.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { getDialect, MessageCodec, type Dialect, type IsoMessage } from '../iso8583';
import { showValue } from '../iso8583/describe';
import type { TrailMessage } from '../metrics/report';

/** Frame header: record length (u32), time (f64 ms), direction (u8: 0 sent, 1 received), terminal index (u32). */
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

/** What the file keeps of a message: already masked. */
interface KeptMessage {
  mti: string;
  fields: Record<string, string>;
}

export class TrailRecorder {
  private fd: number | null;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private written = 0;
  private kept = 0;
  private dropped = 0;
  private undecodable = 0;
  private readonly dialect: Dialect;
  private readonly codec: MessageCodec;

  constructor(private readonly file: string, private readonly maxBytes = 1024 ** 3, dialect = 'cup-pos') {
    this.dialect = getDialect(dialect);
    this.codec = new MessageCodec(this.dialect);
    this.fd = openSync(file, 'w', 0o600);
  }

  /** Keeps the message masked; a body that does not decode (garbled on the line) is only counted: no trail could
   *  name it (its 41 and 11 are unreadable), and its bytes may hold clear card data. */
  record(direction: 'sent' | 'received', terminalIndex: number, raw: Buffer, at = Date.now()): void {
    if (this.fd === null) {
      this.dropped++;
      return;
    }
    let message: IsoMessage;
    try {
      message = this.codec.unpack(raw);
    } catch {
      this.undecodable++;
      return;
    }
    const kept: KeptMessage = { mti: message.mti, fields: masked(message, this.dialect) };
    const body = Buffer.from(JSON.stringify(kept));
    if (this.written + this.pendingBytes + HEADER + body.length > this.maxBytes) {
      this.dropped++;
      return;
    }
    const head = Buffer.allocUnsafe(HEADER);
    head.writeUInt32LE(body.length, 0);
    head.writeDoubleLE(at, 4);
    head.writeUInt8(direction === 'sent' ? 0 : 1, 12);
    head.writeUInt32LE(terminalIndex, 13);
    this.pending.push(head, body);
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

  /** Messages that did not decode with the dialect (garbled on the line), not kept. */
  get undecodableCount(): number {
    return this.undecodable;
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
      const m = JSON.parse(body.toString('utf8')) as KeptMessage;
      const tid = m.fields['41'];
      const stan = m.fields['11'];
      for (const i of inWindow) {
        if (queries[i].terminalId !== tid || queries[i].stan !== stan) continue;
        out[i].push({ at, direction: dirByte === 0 ? 'sent' : 'received', terminalIndex, mti: m.mti, fields: m.fields });
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
}

/** The fields as a trail shows them, by the dialect's marks: secrets redacted, card data masked, the rest clear. */
export function masked(m: IsoMessage, dialect: Dialect = getDialect('cup-pos')): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(m.fields)) {
    if (v === undefined) continue;
    const sensitive = dialect.fields[k]?.sensitive;
    out[k] = sensitive === 'secret' ? '[redacted]' : showValue(sensitive, v, false);
  }
  return out;
}
