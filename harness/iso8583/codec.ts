// bytes ↔ IsoMessage for one dialect. Everything about fields comes from the dialect; nothing here names one.
import { buildBitmap, type BitmapCodec } from './bitmap';
import { validateDialect } from './dialect-schema';
import type { Slot } from './encoding';
import { buildField, type FieldCodec } from './field';
import { buildMti, checkMti, type MtiCodec } from './mti';
import { CodecError, type Dialect, type FieldValue, type IsoMessage } from './types';

const MAC_FIELD = 64;
const MAC_BYTES = 8;

/** Where one field sits in a body: from its length prefix (if any) to its last byte. */
export interface FieldSpan {
  field: number;
  offset: number;
  length: number;
}

export interface DetailedMessage {
  message: IsoMessage;
  mtiLength: number;
  bitmapLength: number;
  spans: FieldSpan[];
}

export class MessageCodec {
  readonly dialect: Dialect;
  private readonly fieldCodecs: (FieldCodec | undefined)[] = new Array<FieldCodec | undefined>(129);
  private readonly mti: MtiCodec;
  private readonly bitmap: BitmapCodec;
  private readonly secondaryAllowed: boolean;
  // Scratch reused by every call; pack and unpack never call out before they finish with it.
  private readonly bits = new Uint8Array(16);
  private readonly order = new Int32Array(129);
  private readonly prepared: FieldValue[] = new Array<FieldValue>(129);
  private readonly slot: Slot = { value: '' };
  private macOffset = -1;

  constructor(dialect: Dialect) {
    this.dialect = validateDialect(dialect, `dialect ${JSON.stringify(dialect?.name ?? '?')}`);
    for (const key of Object.keys(this.dialect.fields)) {
      const num = Number(key);
      this.fieldCodecs[num] = buildField(num, this.dialect.fields[key]);
    }
    this.mti = buildMti(this.dialect.mti.encoding);
    this.bitmap = buildBitmap(this.dialect.bitmap);
    this.secondaryAllowed = this.dialect.bitmap.secondary;
  }

  /** The body: MTI + bitmap(s) + fields. Fields with an undefined value count as absent. */
  pack(msg: IsoMessage): Buffer {
    if (msg === null || typeof msg !== 'object' || msg.fields === null || typeof msg.fields !== 'object') {
      throw new CodecError('pack needs { mti, fields }', 0);
    }
    const mti = checkMti(msg.mti);
    const bits = this.bits;
    bits.fill(0);
    const order = this.order;
    const prepared = this.prepared;
    let count = 0;
    let fieldBytes = 0;
    let secondary = false;
    const fields = msg.fields;
    // Integer keys enumerate in ascending order, which is the wire order.
    for (const key in fields) {
      const value = fields[key as unknown as number];
      if (value === undefined || value === null) continue;
      const num = Number(key);
      const codec = num >= 2 ? this.fieldCodecs[num] : undefined;
      if (codec === undefined || String(num) !== key) throw new CodecError(`unknown field: dialect ${this.dialect.name} has no field ${key}`, 0, Number.isInteger(num) ? num : null);
      const p = codec.prepare(value);
      prepared[count] = p;
      order[count++] = num;
      fieldBytes += codec.size(p);
      bits[(num - 1) >> 3] |= 0x80 >> ((num - 1) & 7);
      if (num > 64) secondary = true;
    }
    if (secondary) bits[0] |= 0x80;
    const head = this.mti.width;
    const bitmapBytes = this.bitmap.width(secondary);
    const out = Buffer.allocUnsafe(head + bitmapBytes + fieldBytes);
    this.mti.write(mti, out);
    let pos = head + this.bitmap.write(bits, secondary, out, head);
    this.macOffset = -1;
    for (let i = 0; i < count; i++) {
      const num = order[i];
      if (num === MAC_FIELD) this.macOffset = pos;
      pos += this.fieldCodecs[num]!.write(prepared[i], out, pos);
      prepared[i] = '';
    }
    return out;
  }

  /** Decodes a body; any byte string gives a message or a CodecError, never anything else. */
  unpack(body: Buffer): IsoMessage {
    return this.decode(body, null).message;
  }

  /** unpack, plus where each field sits (for tools that show a frame). */
  unpackDetailed(body: Buffer): DetailedMessage {
    const spans: FieldSpan[] = [];
    const { message, bitmapEnd } = this.decode(body, spans);
    return { message, mtiLength: this.mti.width, bitmapLength: bitmapEnd - this.mti.width, spans };
  }

  /** The bytes field 64 covers: MTI through the last field before 64, as a view of `body`. */
  macInput(body: Buffer): Buffer {
    const { macStart } = this.decode(body, null);
    if (macStart < 0) throw new CodecError('the body carries no field 64 (MAC)', 0, MAC_FIELD);
    return body.subarray(0, macStart);
  }

  /** Packs with bit 64 set, then writes mac(MAB) into field 64. `mac` must return 8 bytes. */
  packWithMac(msg: IsoMessage, mac: (mab: Buffer) => Buffer): Buffer {
    const codec = this.fieldCodecs[MAC_FIELD];
    if (codec === undefined) throw new CodecError(`dialect ${this.dialect.name} has no field 64`, 0, MAC_FIELD);
    const body = this.pack({ mti: msg?.mti, fields: { ...msg?.fields, [MAC_FIELD]: Buffer.alloc(MAC_BYTES) } });
    const at = this.macOffset;
    const value = mac(body.subarray(0, at));
    if (!Buffer.isBuffer(value) || value.length !== MAC_BYTES) throw new CodecError('the MAC function must return 8 bytes', at, MAC_FIELD);
    codec.write(codec.prepare(value), body, at);
    return body;
  }

  private decode(body: Buffer, spans: FieldSpan[] | null): { message: IsoMessage; bitmapEnd: number; macStart: number } {
    if (!Buffer.isBuffer(body)) throw new CodecError('the body must be a Buffer', 0);
    const mti = this.mti.read(body);
    const bits = this.bits;
    let pos = this.mti.width;
    pos += this.bitmap.read(body, pos, bits);
    const bitmapEnd = pos;
    const fields: { [field: number]: FieldValue } = {};
    const slot = this.slot;
    const lastByte = this.secondaryAllowed && bits[0] & 0x80 ? 16 : 8;
    let macStart = -1;
    for (let byte = 0; byte < lastByte; byte++) {
      const b = byte === 0 ? bits[0] & 0x7f : bits[byte];
      if (b === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        if ((b & (0x80 >> bit)) === 0) continue;
        const num = byte * 8 + bit + 1;
        const codec = this.fieldCodecs[num];
        if (codec === undefined) throw new CodecError(`the bitmap names field ${num}, which dialect ${this.dialect.name} does not define`, pos, num);
        if (num === MAC_FIELD) macStart = pos;
        const read = codec.read(body, pos, slot);
        if (spans !== null) spans.push({ field: num, offset: pos, length: read });
        fields[num] = slot.value;
        pos += read;
      }
    }
    slot.value = '';
    if (pos !== body.length) throw new CodecError(`${body.length - pos} trailing bytes after the last field`, pos);
    return { message: { mti, fields }, bitmapEnd, macStart };
  }
}
