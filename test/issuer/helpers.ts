// Test support: a client on the issuer link (real socket, real codec and framing) and request builders.
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { getDialect, MessageCodec } from '../../harness/iso8583';
import type { FieldValue, IsoMessage } from '../../harness/iso8583/types';
import { FrameChannel } from '../../harness/net/channel';
import { encodePinBlock } from '../../harness/security/pin-block';
import { DEFAULT_ISSUER_ZPK, startIssuer, type IssuerConfig, type IssuerHandle } from '../../harness/issuer';
import type { AccountSpec } from '../../harness/issuer';

export const dialect = getDialect('iso87-ascii');
export const codec = new MessageCodec(dialect);

export class IssuerClient {
  readonly channel: FrameChannel;
  readonly received: IsoMessage[] = [];
  private readonly waiting: { match: (m: IsoMessage) => boolean; resolve: (m: IsoMessage) => void }[] = [];
  closed = false;

  private constructor(readonly socket: net.Socket) {
    this.channel = new FrameChannel(socket, dialect.framing);
    this.channel.on('frame', (f) => {
      const m = codec.unpack(f.body);
      const i = this.waiting.findIndex((w) => w.match(m));
      if (i >= 0) this.waiting.splice(i, 1)[0].resolve(m);
      else this.received.push(m);
    });
    this.channel.on('close', () => {
      this.closed = true;
    });
  }

  static connect(port: number): Promise<IssuerClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('error', reject);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new IssuerClient(s));
      });
    });
  }

  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  send(msg: IsoMessage): void {
    this.channel.send({ body: codec.pack(msg) });
  }

  /** The next response matching `match`, or rejects after timeoutMs. */
  next(match: (m: IsoMessage) => boolean, timeoutMs = 2000): Promise<IsoMessage> {
    const i = this.received.findIndex(match);
    if (i >= 0) return Promise.resolve(this.received.splice(i, 1)[0]);
    return new Promise((resolve, reject) => {
      const w = {
        match,
        resolve: (m: IsoMessage) => {
          clearTimeout(t);
          resolve(m);
        },
      };
      const t = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(w), 1);
        reject(new Error(`no response within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.push(w);
    });
  }

  /** Sends a request and waits for the response with its MTI + 10, 11 and 41. */
  request(msg: IsoMessage, timeoutMs = 2000): Promise<IsoMessage> {
    const mti = msg.mti.slice(0, 2) + String(Number(msg.mti[2]) + 1) + '0';
    const p = this.next((m) => m.mti === mti && m.fields[11] === msg.fields[11] && m.fields[41] === msg.fields[41], timeoutMs);
    this.send(msg);
    return p;
  }

  close(): void {
    this.socket.destroy();
  }
}

export function tempJournal(): { dir: string; file: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'posfault-issuer-'));
  return { dir, file: path.join(dir, 'ledger.jsonl'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** An issuer for each test of the calling describe block, on a fresh journal, with the clients connected to it. */
export interface IssuerPerTest {
  /** The issuer the test started (throws before start). */
  readonly issuer: IssuerHandle;
  readonly journal: { dir: string; file: string };
  start(extra?: Partial<IssuerConfig>): Promise<IssuerHandle>;
  connect(): Promise<IssuerClient>;
  /** Closes the issuer and its clients and starts over on a fresh journal, within one test. */
  reset(): Promise<void>;
}

export function issuerPerTest(base: () => Partial<IssuerConfig> & Pick<IssuerConfig, 'accounts'>): IssuerPerTest {
  let issuer: IssuerHandle | undefined;
  let clients: IssuerClient[] = [];
  let j: ReturnType<typeof tempJournal> | undefined;
  const reset = async () => {
    for (const c of clients) c.close();
    clients = [];
    await issuer?.close();
    issuer = undefined;
    j?.cleanup();
    j = undefined;
  };
  beforeEach(() => { j = tempJournal(); });
  afterEach(reset);
  const env: IssuerPerTest = {
    get issuer() {
      if (issuer === undefined) throw new Error('the issuer is not started');
      return issuer;
    },
    get journal() {
      j ??= tempJournal();
      return j;
    },
    async start(extra = {}) {
      issuer = await startIssuer({ journalPath: env.journal.file, ...base(), ...extra } as IssuerConfig);
      return issuer;
    },
    async connect() {
      const c = await IssuerClient.connect(env.issuer.port);
      clients.push(c);
      return c;
    },
    reset,
  };
  return env;
}

/** True when nothing listens on the port (a connection refused), false when a connection was accepted. */
export function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ECONNREFUSED'));
  });
}

export const TID = 'T0000001';
export const MID = 'M00000000000001';
export const ACQ = '12345';

export function amount12(n: number): string {
  return String(n).padStart(12, '0');
}

export interface SaleOptions {
  stan: string;
  amount: number;
  f7?: string;
  rrn?: string;
  pin?: string;
  tid?: string;
  expiry?: string;
  processingCode?: string;
  zpk?: Buffer;
}

export function sale(card: AccountSpec, o: SaleOptions): IsoMessage {
  const fields: { [n: number]: FieldValue } = {
    2: card.pan, 3: o.processingCode ?? '000000', 4: amount12(o.amount), 7: o.f7 ?? '1121100000', 11: o.stan,
    14: o.expiry ?? card.expiry, 22: o.pin ? '021' : '022', 25: '00', 32: ACQ, 37: o.rrn ?? '1' + o.stan.padStart(11, '0'),
    41: o.tid ?? TID, 42: MID, 49: '156',
  };
  if (o.pin) fields[52] = encodePinBlock(o.pin, card.pan, o.zpk ?? DEFAULT_ISSUER_ZPK);
  return { mti: '0200', fields };
}

export function inquiry(card: AccountSpec, o: { stan: string; pin?: string }): IsoMessage {
  const m = sale(card, { ...o, amount: 0, processingCode: '310000' });
  delete m.fields[4];
  return m;
}

/** Field 90: original MTI + STAN + field 7 + acquirer n11 + zeros. */
export function f90(mti: string, stan: string, f7: string): string {
  return mti + stan + f7 + ACQ.padStart(11, '0') + '00000000000';
}

export function reversal(card: AccountSpec, o: { mti?: string; stan: string; amount: number; originalF7?: string; f7?: string; rrn?: string; tid?: string }): IsoMessage {
  const fields: { [n: number]: FieldValue } = {
    2: card.pan, 3: '000000', 4: amount12(o.amount), 7: o.f7 ?? '1121100500', 11: o.stan, 32: ACQ, 39: '98',
    41: o.tid ?? TID, 42: MID, 49: '156', 90: f90('0200', o.stan, o.originalF7 ?? '1121100000'),
  };
  if (o.rrn !== undefined) fields[37] = o.rrn;
  return { mti: o.mti ?? '0400', fields };
}

export function voidOf(card: AccountSpec, o: { stan: string; originalStan: string; amount: number; originalF7?: string; f7?: string }): IsoMessage {
  const m = sale(card, { stan: o.stan, amount: o.amount, processingCode: '200000', f7: o.f7 ?? '1121100200' });
  m.fields[90] = f90('0200', o.originalStan, o.originalF7 ?? '1121100000');
  return m;
}

export function refundOf(card: AccountSpec, o: { stan: string; originalStan: string; amount: number; originalF7?: string }): IsoMessage {
  const m = sale(card, { stan: o.stan, amount: o.amount, processingCode: '200000', f7: '1122090000' });
  m.fields[90] = f90('0200', o.originalStan, o.originalF7 ?? '1121100000');
  return { mti: '0220', fields: m.fields };
}

export async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

export function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Keeps the issuer's expected warnings (bad input, faults) off the test output; restores the level after. */
export function quietLogs(): void {
  let saved: string | undefined;
  before(() => {
    saved = process.env.POSFAULT_LOG;
    process.env.POSFAULT_LOG = 'error';
  });
  after(() => {
    if (saved === undefined) delete process.env.POSFAULT_LOG;
    else process.env.POSFAULT_LOG = saved;
  });
}
