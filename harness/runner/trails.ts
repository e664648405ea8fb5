// Message trails: every ISO 8583 message the fleet sent or received, kept (bounded) during the run, so that the
// transactions behind a failing figure can be shown as decoded messages. Card data masked; PIN blocks and keys
// never leave this file.
import { getDialect, MessageCodec, type IsoMessage } from '../iso8583';
import { maskPan } from '../security/card';
import type { TrailMessage } from '../metrics/report';

const REDACTED = new Set([52, 53, 55, 62]);

interface Kept {
  at: number;
  direction: 'sent' | 'received';
  terminalIndex: number;
  msg: IsoMessage | Buffer;
}

export class TrailRecorder {
  private readonly kept: Kept[] = [];
  private dropped = 0;
  private codec: MessageCodec | null = null;

  constructor(private readonly limit = 200_000, private readonly dialect = 'cup-pos') {}

  record(direction: 'sent' | 'received', terminalIndex: number, msg: IsoMessage | Buffer): void {
    if (this.kept.length >= this.limit) {
      this.dropped++;
      return;
    }
    this.kept.push({ at: Date.now(), direction, terminalIndex, msg });
  }

  get droppedCount(): number {
    return this.dropped;
  }

  get size(): number {
    return this.kept.length;
  }

  /** The messages of one transaction: same terminal id (field 41) and STAN (field 11), decoded and masked. */
  trailOf(terminalId: string, stan: string): TrailMessage[] {
    const out: TrailMessage[] = [];
    for (const k of this.kept) {
      const m = this.decode(k.msg);
      if (!m) continue;
      if (field(m, 41) !== terminalId || field(m, 11) !== stan) continue;
      out.push({ at: k.at, direction: k.direction, terminalIndex: k.terminalIndex, mti: m.mti, fields: masked(m) });
    }
    return out;
  }

  private decode(msg: IsoMessage | Buffer): IsoMessage | null {
    if (!Buffer.isBuffer(msg)) return msg;
    try {
      this.codec ??= new MessageCodec(getDialect(this.dialect));
      return this.codec.unpack(msg);
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
