// bytes ↔ IsoMessage for one dialect. Everything about fields comes from the dialect; nothing here names one.
import { buildBitmap, type BitmapCodec } from './bitmap';
import { macFieldsOf, validateDialect } from './dialect-schema';
import type { Slot } from './encoding';
import { buildField, type FieldCodec } from './field';
import { buildMti, checkMti, type MtiCodec } from './mti';
import { CodecError, type Dialect, type FieldValue, type IsoMessage } from './types';

const PRIMARY_MAC = 64;
const SECONDARY_MAC = 128;
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
  /** The field that carries this message's MAC, per the dialect (64, or 128 with a secondary bitmap); it may be absent. */
  macField: number;
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
  /** The dialect puts the MAC in 128 when the secondary bitmap is present (ISO 8583:1987), not in 64. */
  private readonly macMoves: boolean;
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
    this.macMoves = macFieldsOf(this.dialect.mac).includes(SECONDARY_MAC);
  }

  /**
   * The field that carries the MAC of a message with these fields: 128 when the dialect moves the MAC there and
   * a field above 64 is present (so the secondary bitmap is), else 64.
   */
  macFieldFor(fields: IsoMessage['fields']): number {
    if (!this.macMoves || fields === null || typeof fields !== 'object') return PRIMARY_MAC;
    for (const key of Object.keys(fields)) {
      const num = Number(key);
      if (num > PRIMARY_MAC && fields[num] !== undefined && fields[num] !== null) return SECONDARY_MAC;
    }
    return PRIMARY_MAC;
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
    // Own keys only (never a prototype's); integer keys come in ascending order, which is the wire order.
    const keys = Object.keys(fields);
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k];
      const value = fields[key as unknown as number];
      if (value === undefined || value === null) continue;
      const num = Number(key);
      if (!Number.isInteger(num)) throw new CodecError(`key ${JSON.stringify(key)} is not a field number`, 0);
      if (String(num) !== key) throw new CodecError(`key ${JSON.stringify(key)} is not a canonical field number (write ${num})`, 0);
      const codec = num >= 2 ? this.fieldCodecs[num] : undefined;
      if (codec === undefined) throw new CodecError(`unknown field: dialect ${this.dialect.name} has no field ${key}`, 0, num);
      const p = codec.prepare(value);
      prepared[count] = p;
      order[count++] = num;
      fieldBytes += codec.size(p);
      bits[(num - 1) >> 3] |= 0x80 >> ((num - 1) & 7);
      if (num > 64) secondary = true;
    }
    if (secondary && this.macMoves && bits[7] & 0x01) {
      for (let i = 0; i < count; i++) prepared[i] = '';
      throw new CodecError(`field 64 cannot carry the MAC alongside fields above 64: dialect ${this.dialect.name} puts the MAC in field 128 then`, 0, PRIMARY_MAC);
    }
    if (secondary) bits[0] |= 0x80;
    const head = this.mti.width;
    const bitmapBytes = this.bitmap.width(secondary);
    const out = Buffer.allocUnsafe(head + bitmapBytes + fieldBytes);
    this.mti.write(mti, out);
    let pos = head + this.bitmap.write(bits, secondary, out, head);
    this.macOffset = -1;
    const macField = secondary && this.macMoves ? SECONDARY_MAC : PRIMARY_MAC;
    for (let i = 0; i < count; i++) {
      const num = order[i];
      if (num === macField) this.macOffset = pos;
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
    const { message, bitmapEnd, macField } = this.decode(body, spans);
    return { message, mtiLength: this.mti.width, bitmapLength: bitmapEnd - this.mti.width, spans, macField };
  }

  /** The bytes the MAC covers: the MTI up to (not including) the MAC field (64, or 128 per the dialect), as a view of `body`. */
  macInput(body: Buffer): Buffer {
    const { macStart, macField } = this.decode(body, null);
    if (macStart < 0) throw new CodecError(`the body carries no MAC (field ${macField})`, 0, macField);
    return body.subarray(0, macStart);
  }

  /**
   * Packs with the MAC field set (64, or 128 when the dialect puts it there and a field above 64 is present; a
   * MAC value given in 64 or 128 is replaced), then writes mac(MAB) into it. `mac` must return 8 bytes.
   */
  packWithMac(msg: IsoMessage, mac: (mab: Buffer) => Buffer): Buffer {
    const fields = { ...msg?.fields };
    delete fields[PRIMARY_MAC];
    delete fields[SECONDARY_MAC];
    const macField = this.macFieldFor(fields);
    const codec = this.fieldCodecs[macField];
    if (codec === undefined) throw new CodecError(`dialect ${this.dialect.name} has no field ${macField} for the MAC`, 0, macField);
    fields[macField] = Buffer.alloc(MAC_BYTES);
    const body = this.pack({ mti: msg?.mti, fields });
    const at = this.macOffset;
    const value = mac(body.subarray(0, at));
    if (!Buffer.isBuffer(value) || value.length !== MAC_BYTES) throw new CodecError('the MAC function must return 8 bytes', at, macField);
    codec.write(codec.prepare(value), body, at);
    return body;
  }

  private decode(body: Buffer, spans: FieldSpan[] | null): { message: IsoMessage; bitmapEnd: number; macStart: number; macField: number } {
    if (!Buffer.isBuffer(body)) throw new CodecError('the body must be a Buffer', 0);
    const mti = this.mti.read(body);
    const bits = this.bits;
    let pos = this.mti.width;
    pos += this.bitmap.read(body, pos, bits);
    const bitmapEnd = pos;
    const fields: { [field: number]: FieldValue } = {};
    const slot = this.slot;
    const lastByte = this.secondaryAllowed && bits[0] & 0x80 ? 16 : 8;
    const macField = lastByte === 16 && this.macMoves ? SECONDARY_MAC : PRIMARY_MAC;
    let macStart = -1;
    for (let byte = 0; byte < lastByte; byte++) {
      const b = byte === 0 ? bits[0] & 0x7f : bits[byte];
      if (b === 0) continue;
      for (let bit = 0; bit < 8; bit++) {
        if ((b & (0x80 >> bit)) === 0) continue;
        const num = byte * 8 + bit + 1;
        const codec = this.fieldCodecs[num];
        if (codec === undefined) throw new CodecError(`the bitmap names field ${num}, which dialect ${this.dialect.name} does not define`, pos, num);
        if (num === macField) macStart = pos;
        else if (num === PRIMARY_MAC && this.macMoves) {
          throw new CodecError(`field 64 cannot carry the MAC alongside fields above 64: dialect ${this.dialect.name} puts the MAC in field 128 then`, pos, PRIMARY_MAC);
        }
        const read = codec.read(body, pos, slot);
        if (spans !== null) spans.push({ field: num, offset: pos, length: read });
        fields[num] = slot.value;
        pos += read;
      }
    }
    slot.value = '';
    if (pos !== body.length) throw new CodecError(`${body.length - pos} trailing bytes after the last field`, pos);
    return { message: { mti, fields }, bitmapEnd, macStart, macField };
  }
}
