import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { CodecError, getDialect, MessageCodec, type Dialect } from '../../harness/iso8583';
import { encodeFrame, FrameReader, type FramingSpec } from '../../harness/net/framing';
import { everyKindDialect, message } from './arbitraries';
import { prng } from './prng';
import { cupSale, genericRequest } from './samples';

type Rand = () => number;
const int = (r: Rand, n: number) => Math.floor(r() * n);

/** One random damage: bit flips, truncation, insertion, deletion, overwrite, or a splice of two inputs. */
function mutate(r: Rand, src: Buffer, other: Buffer): Buffer {
  const b = Buffer.from(src);
  switch (int(r, 7)) {
    case 0: {
      for (let k = 1 + int(r, 3); k > 0 && b.length > 0; k--) b[int(r, b.length)] ^= 1 << int(r, 8);
      return b;
    }
    case 1:
      return b.subarray(0, int(r, b.length));
    case 2: {
      const at = int(r, b.length + 1);
      return Buffer.concat([b.subarray(0, at), Buffer.from([int(r, 256)]), b.subarray(at)]);
    }
    case 3: {
      const at = int(r, b.length);
      return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(r, 4))]);
    }
    case 4:
      if (b.length > 0) b[int(r, b.length)] = int(r, 256);
      return b;
    case 5:
      return Buffer.concat([b.subarray(0, int(r, b.length + 1)), other.subarray(int(r, other.length + 1))]);
    default: {
      const junk = Buffer.alloc(int(r, 200));
      for (let i = 0; i < junk.length; i++) junk[i] = int(r, 256);
      return junk;
    }
  }
}

function corpus(dialect: Dialect, extra: Buffer[]): Buffer[] {
  const codec = new MessageCodec(dialect);
  const sampled = fc.sample(message(dialect, 30), { numRuns: 40, seed: 42 }).map((m) => codec.pack(m));
  return [...extra, ...sampled];
}

describe('fuzz: damaged and random bytes give a message or a CodecError, nothing else', function () {
  this.timeout(30000);
  const cup = new MessageCodec(getDialect('cup-pos'));
  const generic = new MessageCodec(getDialect('iso87-ascii'));
  const cupBodies = corpus(cup.dialect, [cup.packWithMac(cupSale(), () => Buffer.alloc(8, 1))]);
  const genericBodies = corpus(generic.dialect, [generic.pack(genericRequest())]);

  function unpackOrCodecError(codec: MessageCodec, body: Buffer): ReturnType<MessageCodec['unpack']> | null {
    try {
      return codec.unpack(body);
    } catch (err) {
      if (!(err instanceof CodecError)) throw new Error(`unpack threw ${String(err)} for ${body.toString('hex')}`);
      assert.equal(typeof err.offset, 'number');
      assert.ok(err.offset >= 0 && err.offset <= body.length, `offset ${err.offset} outside a ${body.length}-byte body`);
      return null;
    }
  }

  const kindBcd = new MessageCodec(everyKindDialect('bcd', 'binary'));
  const kindHex = new MessageCodec(everyKindDialect('ascii', 'hex'));
  const kindBcdBodies = corpus(kindBcd.dialect, []);
  const kindHexBodies = corpus(kindHex.dialect, []);

  it('unpack: 110,000 mutated and random bodies over four dialects; accepted ones re-pack without a shift', () => {
    const r = prng(0xc0dec);
    let accepted = 0;
    let thrown = 0;
    // byteExact: in cup-pos every value has one spelling (BCD pad nibbles must be 0), so an accepted body re-packs to the
    // same bytes; hex text may be lower case on the wire, so elsewhere the decoded message must survive a round trip.
    const plan: [MessageCodec, Buffer[], number, boolean][] = [
      [cup, cupBodies, 40000, true],
      [generic, genericBodies, 40000, false],
      [kindBcd, kindBcdBodies, 15000, false], // secondary bitmap, every prefix kind incl. LLL binary
      [kindHex, kindHexBodies, 15000, false], // hex bitmaps and fields, ASCII MTI
    ];
    for (const [codec, bodies, count, byteExact] of plan) {
      for (let i = 0; i < count; i++) {
        const body = mutate(r, bodies[int(r, bodies.length)], bodies[int(r, bodies.length)]);
        thrown++;
        const msg = unpackOrCodecError(codec, body);
        if (msg === null) continue;
        accepted++;
        if (byteExact) assert.deepEqual(codec.pack(msg), body, `silent re-parse of ${body.toString('hex')}`);
        else assert.deepEqual(codec.unpack(codec.pack(msg)), msg);
      }
    }
    assert.ok(thrown >= 100000, `only ${thrown} bodies`);
    assert.ok(accepted > 0, 'some damage (a digit changed inside a field) still decodes');
  });

  it('FrameReader: 110,000 frames, damaged and with lying lengths, in random chunks over binary, BCD and ASCII lengths', () => {
    const r = prng(0xf4a3e);
    const tpdu = Buffer.from('6000030000', 'hex');
    const header = Buffer.from('603100000000', 'hex');
    const bcdExcl: FramingSpec = { length: { encoding: 'bcd', bytes: 2, includesHeader: false }, tpdu: true, headerLength: 0, maxFrameLength: 2048 };
    const asciiIncl: FramingSpec = { length: { encoding: 'ascii', bytes: 4, includesHeader: true }, tpdu: true, headerLength: 6, maxFrameLength: 9999 };
    const links: { framing: FramingSpec; codec: MessageCodec; wire: Buffer[] }[] = [
      { framing: cup.dialect.framing, codec: cup, wire: cupBodies.map((body) => encodeFrame(cup.dialect.framing, { tpdu, header, body })) },
      { framing: generic.dialect.framing, codec: generic, wire: genericBodies.map((body) => encodeFrame(generic.dialect.framing, { body })) },
      { framing: bcdExcl, codec: cup, wire: cupBodies.map((body) => encodeFrame(bcdExcl, { tpdu, body })) },
      { framing: asciiIncl, codec: kindBcd, wire: kindBcdBodies.filter((b) => b.length < 9000).map((body) => encodeFrame(asciiIncl, { tpdu, header, body })) },
    ];
    let thrown = 0;
    let frames = 0;
    let lies = 0;
    let streams = 0;
    while (thrown < 110000) {
      const { framing, codec, wire } = links[streams++ % links.length];
      const prefix = framing.length.bytes;
      const parts: Buffer[] = [];
      for (let k = 1 + int(r, 3); k > 0; k--) {
        const w = wire[int(r, wire.length)];
        const kind = int(r, 4);
        if (kind === 0) parts.push(w);
        else if (kind === 1) {
          // A length that lies in every way: too short, too long, huge, zero, or not of its encoding at all.
          const lie = Buffer.from(w);
          const how = int(r, 3);
          if (how === 0) lie.writeUIntBE(int(r, 16), 0, Math.min(prefix, 6));
          else if (how === 1) for (let j = 0; j < prefix; j++) lie[j] = int(r, 256);
          else lie.fill(0xff, 0, prefix);
          parts.push(lie);
        } else parts.push(mutate(r, w, wire[int(r, wire.length)]));
      }
      thrown += parts.length;
      const stream = Buffer.concat(parts);
      const reader = new FrameReader(framing);
      let pos = 0;
      while (pos < stream.length) {
        const step = 1 + int(r, 64);
        try {
          for (const f of reader.push(stream.subarray(pos, pos + step))) {
            frames++;
            unpackOrCodecError(codec, f.body);
          }
        } catch (err) {
          if (!(err instanceof CodecError)) throw err;
          assert.ok(err.offset >= 0 && err.offset <= stream.length, `stream offset ${err.offset} outside ${stream.length} bytes`);
          lies++;
          break;
        }
        if (reader.failure !== null) {
          lies++;
          break;
        }
        pos += step;
      }
      assert.ok(reader.buffered <= framing.maxFrameLength + prefix + 11, `${reader.buffered} bytes buffered`);
    }
    assert.ok(thrown >= 100000, `only ${thrown} frames`);
    assert.ok(frames > 40000 && lies > 4000, `frames ${frames}, lies ${lies}`);
  });
});
