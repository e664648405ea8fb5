import { strict as assert } from 'node:assert';
import { CodecError, getDialect, MessageCodec } from '../../harness/iso8583';
import { decodeFrame, encodeFrame, FrameReader, replyTpdu, type FramingSpec } from '../../harness/net/framing';
import { CUP_SALE_HEX } from '../iso8583/samples';

const cup = getDialect('cup-pos');
const CUP = cup.framing;
const TPDU = Buffer.from('6000030000', 'hex');
const HEADER = Buffer.from('603100000000', 'hex');
const BODY = Buffer.from(CUP_SALE_HEX, 'hex');

function spec(over: Omit<Partial<FramingSpec>, 'length'> & { length?: Partial<FramingSpec['length']> }): FramingSpec {
  return { ...CUP, ...over, length: { ...CUP.length, ...over.length } };
}

function throwsCodec(fn: () => unknown, reason: RegExp): CodecError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CodecError, String(err));
    assert.match(err.reason, reason);
    return err;
  }
  assert.fail('expected CodecError');
}

describe('framing', () => {
  it('frames a CUP sale as [len 2 binary incl. TPDU+header][TPDU][header][body]', () => {
    const wire = encodeFrame(CUP, { tpdu: TPDU, header: HEADER, body: BODY });
    const len = 5 + 6 + BODY.length;
    assert.equal(wire.toString('hex').toUpperCase(), len.toString(16).padStart(4, '0').toUpperCase() + '6000030000' + '603100000000' + CUP_SALE_HEX);
    const frame = decodeFrame(CUP, wire);
    assert.deepEqual(frame.tpdu, TPDU);
    assert.deepEqual(frame.header, HEADER);
    assert.deepEqual(frame.body, BODY);
    assert.equal(new MessageCodec(cup).unpack(frame.body).fields[11], '000123');
  });

  it('writes BCD and ASCII lengths, counting the header or not', () => {
    const body = Buffer.from('0800', 'hex');
    const bcd = encodeFrame(spec({ length: { encoding: 'bcd' } }), { tpdu: TPDU, header: HEADER, body });
    assert.equal(bcd.subarray(0, 2).toString('hex'), '0013'); // 5 + 6 + 2 = 13
    const ascii = encodeFrame(spec({ length: { encoding: 'ascii', bytes: 4, includesHeader: false } }), { tpdu: TPDU, header: HEADER, body });
    assert.equal(ascii.subarray(0, 4).toString('latin1'), '0002');
    const bare = encodeFrame(getDialect('iso87-ascii').framing, { body: Buffer.from('0800', 'latin1') });
    assert.equal(bare.toString('hex'), '0004' + Buffer.from('0800').toString('hex'));
    for (const s of [spec({ length: { encoding: 'bcd' } }), spec({ length: { encoding: 'ascii', bytes: 4, includesHeader: false } })]) {
      const wire = encodeFrame(s, { tpdu: TPDU, header: HEADER, body: BODY });
      assert.deepEqual(decodeFrame(s, wire).body, BODY);
    }
  });

  it('refuses frames that do not match the framing', () => {
    throwsCodec(() => encodeFrame(CUP, { header: HEADER, body: BODY }), /TPDU/);
    throwsCodec(() => encodeFrame(CUP, { tpdu: TPDU, header: HEADER.subarray(1), body: BODY }), /header/);
    throwsCodec(() => encodeFrame(getDialect('iso87-ascii').framing, { tpdu: TPDU, body: BODY }), /no TPDU/);
    throwsCodec(() => encodeFrame(spec({ maxFrameLength: 50 }), { tpdu: TPDU, header: HEADER, body: BODY }), /exceeds/);
    throwsCodec(() => encodeFrame(CUP, { tpdu: TPDU, header: HEADER, body: Buffer.alloc(0) }), /empty/);
  });

  it('swaps destination and source in a reply TPDU', () => {
    assert.equal(replyTpdu(TPDU).toString('hex'), '6000000003');
    assert.equal(replyTpdu(Buffer.from('6005810123', 'hex')).toString('hex'), '6001230581');
    throwsCodec(() => replyTpdu(Buffer.alloc(4)), /5 bytes/);
  });
});

describe('FrameReader', () => {
  const wire = encodeFrame(CUP, { tpdu: TPDU, header: HEADER, body: BODY });

  it('reassembles a frame delivered one byte at a time', () => {
    const reader = new FrameReader(CUP);
    const out = [];
    for (let i = 0; i < wire.length; i++) {
      out.push(...reader.push(wire.subarray(i, i + 1)));
      if (i < wire.length - 1) assert.equal(out.length, 0);
    }
    assert.equal(out.length, 1);
    assert.deepEqual(out[0].body, BODY);
    assert.equal(reader.buffered, 0);
  });

  it('gives every frame of one read and keeps the partial rest', () => {
    const reader = new FrameReader(CUP);
    const three = Buffer.concat([wire, wire, wire]);
    const frames = reader.push(three.subarray(0, wire.length * 2 + 7));
    assert.equal(frames.length, 2);
    assert.equal(reader.buffered, 7);
    const rest = reader.push(three.subarray(wire.length * 2 + 7));
    assert.equal(rest.length, 1);
    assert.deepEqual(rest[0].tpdu, TPDU);
    assert.equal(reader.buffered, 0);
  });

  const lies: [string, FramingSpec, Buffer, RegExp][] = [
    ['zero', CUP, Buffer.from('0000', 'hex'), /length 0/],
    ['over maxFrameLength', CUP, Buffer.from('1001', 'hex'), /exceeds the maximum 4096/],
    ['shorter than TPDU + header', CUP, Buffer.from('000b6000030000', 'hex'), /no body/],
    ['not BCD', spec({ length: { encoding: 'bcd' } }), Buffer.from('0A20', 'hex'), /not BCD/],
    ['not ASCII digits', spec({ length: { encoding: 'ascii', bytes: 4 } }), Buffer.from('00x5', 'latin1'), /not an ASCII digit/],
  ];
  for (const [what, s, bytes, reason] of lies) {
    it(`throws on a length that lies: ${what}, and stays failed`, () => {
      const reader = new FrameReader(s);
      throwsCodec(() => reader.push(bytes), reason);
      throwsCodec(() => reader.push(wire), reason);
    });
  }

  it('reports a lie after good frames at its stream offset', () => {
    const reader = new FrameReader(CUP);
    reader.push(wire.subarray(0, 10));
    assert.equal(reader.push(Buffer.concat([wire.subarray(10), Buffer.from('0000', 'hex')])).length, 1);
    assert.equal(reader.failure!.offset, wire.length);
  });

  it('decodeFrame names an incomplete frame and bytes after the frame', () => {
    throwsCodec(() => decodeFrame(CUP, wire.subarray(0, 20)), /incomplete frame: 20 bytes, the length announces 110/);
    throwsCodec(() => decodeFrame(CUP, Buffer.concat([wire, Buffer.from([1, 2])])), /2 bytes after the end/);
  });
});

describe('FrameReader: a peer writing one byte at a time', () => {
  it('reassembles a 60 KB frame fed byte by byte, then the next frame, and never changes a frame it returned', () => {
    const big = spec({ maxFrameLength: 65535 });
    const body = Buffer.alloc(60 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7 + 3) & 0xff;
    const second = Buffer.from(body.subarray(0, 1000)).fill(0x5a);
    const wire = Buffer.concat([encodeFrame(big, { tpdu: TPDU, header: HEADER, body }), encodeFrame(big, { tpdu: TPDU, header: HEADER, body: second })]);
    const reader = new FrameReader(big);
    const frames = [];
    for (let i = 0; i < wire.length; i++) frames.push(...reader.push(wire.subarray(i, i + 1)));
    assert.equal(frames.length, 2);
    assert.ok(frames[0].body.equals(body), 'the first frame is intact after the second was read');
    assert.ok(frames[1].body.equals(second));
    assert.deepEqual(frames[1].tpdu, TPDU);
    assert.equal(reader.buffered, 0);
    assert.equal(reader.streamOffset, wire.length);
  });

  it('keeps stream offsets right across partial pushes when a later length lies', () => {
    const wire = encodeFrame(CUP, { tpdu: TPDU, header: HEADER, body: BODY });
    const reader = new FrameReader(CUP);
    const stream = Buffer.concat([wire, wire, Buffer.from('0000', 'hex')]);
    const got = [];
    let failure: CodecError | null = null;
    for (let i = 0; i < stream.length && failure === null; i += 3) {
      try {
        got.push(...reader.push(stream.subarray(i, i + 3)));
      } catch (err) {
        failure = err as CodecError;
      }
      failure ??= reader.failure;
    }
    assert.equal(got.length, 2);
    for (const f of got) assert.deepEqual(f.body, BODY);
    assert.match(failure!.reason, /length 0/);
    assert.equal(failure!.offset, 2 * wire.length);
  });
});

describe('FrameReader: good frames before a lie in one chunk', () => {
  it('returns them, holds the failure, and throws it on the next push', () => {
    const wire = encodeFrame(CUP, { tpdu: TPDU, header: HEADER, body: BODY });
    const reader = new FrameReader(CUP);
    const frames = reader.push(Buffer.concat([wire, Buffer.from('0000', 'hex')]));
    assert.equal(frames.length, 1);
    assert.match(reader.failure!.reason, /length 0/);
    throwsCodec(() => reader.push(wire), /length 0/);
  });
});
