// A minimal terminal for the switch's tests: real sockets, the real codec, framing and keys. It speaks the
// cup-pos profile just far enough to exercise the switch; the fleet's terminal is another component.
import * as net from 'node:net';
import { getDialect, MessageCodec, type FieldValue, type IsoMessage } from '../../../harness/iso8583';
import { FrameChannel } from '../../../harness/net/channel';
import { encodeFrame } from '../../../harness/net/framing';
import { computeMac, decodeSignOnKeys, encodePinBlock, verifyMac, type WorkingKeys } from '../../../harness/security';

const dialect = getDialect('cup-pos');
export const terminalCodec = new MessageCodec(dialect);
export const TPDU = Buffer.from('6000030000', 'hex');
export const HEADER = Buffer.from('603100000000', 'hex');

export interface Card {
  pan: string;
  expiry: string;
  pin?: string;
}

export interface Reply {
  message: IsoMessage;
  body: Buffer;
  tpdu?: Buffer;
  header?: Buffer;
  /** True when the response carries a MAC that verifies under the terminal's MAK. */
  macOk?: boolean;
}

/** The raw wire bytes of a cup-pos frame around `body`. */
export function frameBytes(body: Buffer): Buffer {
  return encodeFrame(dialect.framing, { tpdu: TPDU, header: HEADER, body });
}

export class TestLine {
  readonly socket: net.Socket;
  readonly channel: FrameChannel;
  private readonly waiting = new Map<string, (r: Reply) => void>();
  readonly unmatched: Reply[] = [];
  closed: Promise<void>;

  private constructor(socket: net.Socket, private readonly mak: () => Buffer | undefined) {
    this.socket = socket;
    this.channel = new FrameChannel(socket, dialect.framing);
    this.closed = new Promise((resolve) => this.channel.on('close', () => resolve()));
    this.channel.on('frame', (frame: { body: Buffer; tpdu?: Buffer; header?: Buffer }) => {
      const message = terminalCodec.unpack(frame.body);
      const reply: Reply = { message, body: Buffer.from(frame.body), tpdu: frame.tpdu && Buffer.from(frame.tpdu), header: frame.header && Buffer.from(frame.header) };
      const mac = message.fields[64];
      const key = this.mak();
      if (Buffer.isBuffer(mac) && key !== undefined) {
        reply.macOk = verifyMac('cup-ecb', key.subarray(0, 8), terminalCodec.macInput(frame.body), mac);
      }
      const k = `${message.mti}|${String(message.fields[41])}|${String(message.fields[11])}`;
      const w = this.waiting.get(k);
      if (w) {
        this.waiting.delete(k);
        w(reply);
      } else {
        this.unmatched.push(reply);
      }
    });
  }

  static connect(port: number, mak: () => Buffer | undefined = () => undefined): Promise<TestLine> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.removeListener('error', reject);
        resolve(new TestLine(socket, mak));
      });
    });
  }

  /** Resolves with the response matched by MTI + 41 + 11, or undefined after `timeoutMs` or when the line closes. */
  exchange(request: IsoMessage, body: Buffer, timeoutMs = 3000): Promise<Reply | undefined> {
    const mti = request.mti.slice(0, 2) + String(Number(request.mti[2]) + 1) + '0';
    const key = `${mti}|${String(request.fields[41])}|${String(request.fields[11])}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting.delete(key);
        resolve(undefined);
      }, timeoutMs);
      const done = (r: Reply | undefined) => {
        clearTimeout(timer);
        resolve(r);
      };
      this.waiting.set(key, done);
      void this.closed.then(() => {
        if (this.waiting.get(key) === done) {
          this.waiting.delete(key);
          done(undefined);
        }
      });
      this.channel.send({ tpdu: TPDU, header: HEADER, body });
    });
  }

  /** Sends a request without waiting; its response lands in `unmatched`. */
  send(body: Buffer): void {
    this.channel.send({ tpdu: TPDU, header: HEADER, body });
  }

  writeRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  close(): Promise<void> {
    this.socket.destroy();
    return this.closed;
  }
}

/** A terminal's state as the tests need it: id, keys, STAN counter and batch. */
export class TestTerminal {
  keys: WorkingKeys | undefined;
  batch = '000001';
  private stanCounter = 0;

  constructor(readonly terminalId: string, readonly merchantId: string, readonly tmk: Buffer) {}

  nextStan(): string {
    this.stanCounter = (this.stanCounter % 999_999) + 1;
    return String(this.stanCounter).padStart(6, '0');
  }

  signOnRequest(stan = this.nextStan()): IsoMessage {
    return { mti: '0800', fields: { 11: stan, 41: this.terminalId, 42: this.merchantId, 60: '00' + this.batch + '003', 63: '001' } };
  }

  saleRequest(card: Card, amount: number, stan = this.nextStan()): IsoMessage {
    const fields: { [n: number]: FieldValue } = {
      2: card.pan, 3: '000000', 4: String(amount).padStart(12, '0'), 11: stan, 14: card.expiry,
      22: card.pin ? '021' : '022', 25: '00', 41: this.terminalId, 42: this.merchantId, 49: '156',
      60: '22' + this.batch + '000',
    };
    if (card.pin && this.keys) {
      fields[26] = '12';
      fields[52] = encodePinBlock(card.pin, card.pan, this.keys.pik);
      fields[53] = '2600000000000000';
    }
    return { mti: '0200', fields };
  }

  voidRequest(card: Card, amount: number, original: { stan: string; rrn: string; authCode: string }, stan = this.nextStan()): IsoMessage {
    return {
      mti: '0200',
      fields: {
        2: card.pan, 3: '200000', 4: String(amount).padStart(12, '0'), 11: stan, 14: card.expiry, 22: '022', 25: '00',
        37: original.rrn, 38: original.authCode, 41: this.terminalId, 42: this.merchantId, 49: '156',
        60: '23' + this.batch + '000', 61: this.batch + original.stan,
      },
    };
  }

  refundRequest(card: Card, amount: number, original: { batch: string; stan: string; date: string; rrn: string }, stan = this.nextStan()): IsoMessage {
    return {
      mti: '0220',
      fields: {
        2: card.pan, 3: '200000', 4: String(amount).padStart(12, '0'), 11: stan, 14: card.expiry, 22: '022', 25: '00',
        37: original.rrn, 41: this.terminalId, 42: this.merchantId, 49: '156',
        60: '25' + this.batch + '000', 61: original.batch + original.stan + original.date,
      },
    };
  }

  reversalOf(original: IsoMessage, reason: string): IsoMessage {
    const f = original.fields;
    const fields: { [n: number]: FieldValue } = {};
    for (const n of [2, 3, 4, 11, 14, 22, 25, 38, 41, 42, 49, 60, 61]) if (f[n] !== undefined) fields[n] = f[n];
    fields[39] = reason;
    return { mti: '0400', fields };
  }

  settlementRequest(totals: { debitAmount: number; debitCount: number; creditAmount?: number; creditCount?: number }, stan = this.nextStan()): IsoMessage {
    const f48 = String(totals.debitAmount).padStart(12, '0') + String(totals.debitCount).padStart(3, '0') +
      String(totals.creditAmount ?? 0).padStart(12, '0') + String(totals.creditCount ?? 0).padStart(3, '0') + '0' + '0'.repeat(31);
    return { mti: '0500', fields: { 11: stan, 41: this.terminalId, 42: this.merchantId, 48: f48, 49: '156', 60: '00' + this.batch + '201', 63: '001' } };
  }

  /** Packs with field 64 under the MAK (a wrong MAK gives a wrong MAC). */
  pack(msg: IsoMessage, mak: Buffer | undefined = this.keys?.mak): Buffer {
    if (msg.mti.startsWith('08') || msg.mti.startsWith('03')) return terminalCodec.pack(msg);
    if (mak === undefined) throw new Error('not signed on');
    return terminalCodec.packWithMac(msg, (mab) => computeMac('cup-ecb', mak.subarray(0, 8), mab));
  }

  /** Adopts the keys and batch of an 0810. */
  adoptSignOn(reply: Reply): void {
    const f = reply.message.fields;
    this.keys = decodeSignOnKeys(this.tmk, f[62] as Buffer, '003');
    this.batch = String(f[60]).slice(2, 8);
  }
}
