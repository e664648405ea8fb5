// The MAB of a decoded request. When the dialect has no secondary bitmap and field 64 is 8 fixed binary bytes,
// field 64 is the last field of any message carrying it, so the MAB is the body without its last 8 bytes; this
// spares the hot path a second decode. Otherwise the codec finds it.
import type { MessageCodec } from '../iso8583/codec';
import type { Dialect } from '../iso8583/types';

export type MacInput = (body: Buffer) => Buffer;

export function macInputFor(dialect: Dialect, codec: MessageCodec): MacInput {
  const f64 = dialect.fields['64'];
  const macIsLast = !dialect.bitmap.secondary && f64 !== undefined && f64.type === 'b' && f64.length === 'fixed' && f64.max === 8;
  if (macIsLast) return (body) => body.subarray(0, body.length - 8);
  return (body) => codec.macInput(body);
}
