// What can be read of a body the codec rejected: the MTI and the fields before the first bad one, read with the
// dialect's own field codecs. Enough, when 11 and 41 come out, to answer 30 instead of dropping the request.
import { buildBitmap } from '../iso8583/bitmap';
import { buildField, type FieldCodec } from '../iso8583/field';
import { buildMti } from '../iso8583/mti';
import type { Dialect, FieldValue, IsoMessage } from '../iso8583/types';

export type Salvager = (body: Buffer) => IsoMessage | undefined;

export function salvager(dialect: Dialect): Salvager {
  const mti = buildMti(dialect.mti.encoding);
  const bitmap = buildBitmap(dialect.bitmap);
  const codecs: (FieldCodec | undefined)[] = [];
  for (const key of Object.keys(dialect.fields)) codecs[Number(key)] = buildField(Number(key), dialect.fields[key]);
  const bits = new Uint8Array(16);
  const slot = { value: '' as FieldValue };

  return (body: Buffer): IsoMessage | undefined => {
    const fields: { [n: number]: FieldValue } = {};
    let type: string;
    let pos: number;
    try {
      type = mti.read(body);
      bits.fill(0);
      pos = mti.width + bitmap.read(body, mti.width, bits);
    } catch {
      return undefined;
    }
    const lastByte = dialect.bitmap.secondary && bits[0] & 0x80 ? 16 : 8;
    try {
      for (let n = 2; n <= lastByte * 8; n++) {
        if ((bits[(n - 1) >> 3] & (0x80 >> ((n - 1) & 7))) === 0) continue;
        const codec = codecs[n];
        if (codec === undefined) break;
        pos += codec.read(body, pos, slot);
        fields[n] = slot.value;
      }
    } catch {
      // The fields read so far stand.
    }
    return { mti: type, fields };
  };
}
