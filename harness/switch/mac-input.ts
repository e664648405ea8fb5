// The MAB of a decoded request. When the dialect has no secondary bitmap, keeps its MAC in field 64 and field 64 is
// 8 fixed binary bytes, field 64 is the last field of any message carrying it, so the MAB is the body without its
// last 8 bytes; this spares the hot path a second decode. Otherwise (a hex MAC, a MAC in 128) the codec finds it.
import type { MessageCodec } from '../iso8583/codec';
import type { Dialect } from '../iso8583/types';

export type MacInput = (body: Buffer) => Buffer;

export function macInputFor(dialect: Dialect, codec: MessageCodec): MacInput {
  const f64 = dialect.fields['64'];
  const macIn64Only = (dialect.mac.fields ?? [64]).every((f) => f === 64);
  const macIsLast =
    !dialect.bitmap.secondary && macIn64Only && f64 !== undefined && f64.type === 'b' && f64.encoding === 'binary' && f64.length === 'fixed' && f64.max === 8;
  if (macIsLast) return (body) => body.subarray(0, body.length - 8);
  return (body) => codec.macInput(body);
}
