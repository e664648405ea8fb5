import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { CodecError, getDialect, MessageCodec, type Dialect } from '../../harness/iso8583';
import { encodeFrame, FrameReader } from '../../harness/net/framing';
import { message } from './arbitraries';
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

  it('unpack: 80,000 mutated and random bodies; every accepted CUP body re-packs to the same bytes', () => {
    const r = prng(0xc0dec);
    let accepted = 0;
    for (let i = 0; i < 40000; i++) {
      const body = mutate(r, cupBodies[int(r, cupBodies.length)], cupBodies[int(r, cupBodies.length)]);
      const msg = unpackOrCodecError(cup, body);
      if (msg !== null) {
        accepted++;
        assert.deepEqual(cup.pack(msg), body, `silent re-parse of ${body.toString('hex')}`);
      }
    }
    for (let i = 0; i < 40000; i++) {
      const body = mutate(r, genericBodies[int(r, genericBodies.length)], genericBodies[int(r, genericBodies.length)]);
      const msg = unpackOrCodecError(generic, body);
      if (msg !== null) {
        accepted++;
        assert.deepEqual(generic.unpack(generic.pack(msg)), msg);
      }
    }
    assert.ok(accepted > 0, 'some damage (a digit changed inside a field) still decodes');
  });

  it('FrameReader: 25,000 damaged streams of CUP and generic frames pushed in random chunks', () => {
    const r = prng(0xf4a3e);
    const cupFraming = cup.dialect.framing;
    const genericFraming = generic.dialect.framing;
    const tpdu = Buffer.from('6000030000', 'hex');
    const header = Buffer.from('603100000000', 'hex');
    const cupWire = cupBodies.map((body) => encodeFrame(cupFraming, { tpdu, header, body }));
    const genericWire = genericBodies.map((body) => encodeFrame(genericFraming, { body }));
    let frames = 0;
    let lies = 0;
    for (let i = 0; i < 25000; i++) {
      const isCup = i % 2 === 0;
      const wire = isCup ? cupWire : genericWire;
      const codec = isCup ? cup : generic;
      const parts: Buffer[] = [];
      for (let k = 1 + int(r, 3); k > 0; k--) {
        const w = wire[int(r, wire.length)];
        const kind = int(r, 4);
        if (kind === 0) parts.push(w);
        else if (kind === 1) {
          const lie = Buffer.from(w); // a length that lies: anything in the two length bytes
          lie.writeUInt16BE(int(r, 3) === 0 ? int(r, 16) : int(r, 65536), 0);
          parts.push(lie);
        } else parts.push(mutate(r, w, wire[int(r, wire.length)]));
      }
      const stream = Buffer.concat(parts);
      const reader = new FrameReader(isCup ? cupFraming : genericFraming);
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
          lies++;
          break;
        }
        if (reader.failure !== null) {
          lies++;
          break;
        }
        pos += step;
      }
      assert.ok(reader.buffered <= (isCup ? cupFraming : genericFraming).maxFrameLength + 2);
    }
    assert.ok(frames > 10000 && lies > 1000, `frames ${frames}, lies ${lies}`);
  });
});
