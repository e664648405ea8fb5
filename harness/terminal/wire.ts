// The dialect as the terminal uses it: pack with or without a MAC, unpack, verify a response's MAC.
import { getDialect, MessageCodec } from '../iso8583';
import type { Dialect, Frame, IsoMessage } from '../iso8583/types';
import { computeMacWith, verifyMacWith } from '../security';

/** MTIs that carry no field 64 (pos-profile §1: sign-on and batch upload). */
const UNMACED = new Set(['0800', '0810', '0320', '0330']);
const DEFAULT_SIGN_ON_AGAIN_CODES = ['A0', '99', '77'];

export class Wire {
  readonly dialect: Dialect;
  readonly codec: MessageCodec;
  private readonly tpdu: Buffer;
  private readonly header: Buffer;
  /** Response codes after which the terminal signs on again (the dialect's list, pos-profile §1.1 by default). */
  readonly signOnAgainCodes: ReadonlySet<string>;

  constructor(dialectName: string) {
    this.dialect = getDialect(dialectName);
    this.codec = new MessageCodec(this.dialect);
    this.tpdu = Buffer.from(this.dialect.tpdu ?? '', 'hex');
    this.header = Buffer.from(this.dialect.header ?? '', 'hex');
    this.signOnAgainCodes = new Set(this.dialect.signOnAgainCodes ?? DEFAULT_SIGN_ON_AGAIN_CODES);
  }

  macKey(mak: Buffer): Buffer {
    return this.dialect.mac.keyBytes === 8 ? mak.subarray(0, 8) : mak;
  }

  /** The request body; MAC'd under `mak` unless the MTI carries none. */
  pack(msg: IsoMessage, mak: Buffer | null): Buffer {
    if (UNMACED.has(msg.mti) || mak === null) return this.codec.pack(msg);
    const key = this.macKey(mak);
    return this.codec.packWithMac(msg, (mab) => computeMacWith(this.dialect.mac, key, mab));
  }

  frame(body: Buffer): Frame {
    const f: Frame = { body };
    if (this.dialect.framing.tpdu) f.tpdu = this.tpdu;
    if (this.dialect.framing.headerLength > 0) f.header = this.header;
    return f;
  }

  /** True when the response's field 64 is the MAC of its body under `mak`. */
  responseMacValid(body: Buffer, msg: IsoMessage, mak: Buffer): boolean {
    const mac = msg.fields[this.codec.macFieldFor(msg.fields)];
    if (!Buffer.isBuffer(mac)) return false;
    try {
      return verifyMacWith(this.dialect.mac, this.macKey(mak), this.codec.macInput(body), mac);
    } catch {
      return false;
    }
  }

  static needsMac(mti: string): boolean {
    return !UNMACED.has(mti);
  }
}
