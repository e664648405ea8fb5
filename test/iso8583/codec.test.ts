import { strict as assert } from 'node:assert';
import { CodecError, getDialect, MessageCodec } from '../../harness/iso8583';
import { CUP_SALE_HEX, cupSale, GENERIC_REQUEST_TAIL, GENERIC_REQUEST_TEXT, genericRequest, PIN_BLOCK } from './samples';

const MAC_STAND_IN = Buffer.alloc(8, 0xaa);

function codecError(fn: () => unknown): CodecError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CodecError, `expected CodecError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a CodecError');
}

describe('MessageCodec: cup-pos', () => {
  const codec = new MessageCodec(getDialect('cup-pos'));

  it('packs a 0200 sale byte for byte as written out by hand', () => {
    const body = codec.packWithMac(cupSale(), () => MAC_STAND_IN);
    assert.equal(body.toString('hex').toUpperCase(), CUP_SALE_HEX);
  });

  it('unpacks the hand-written sale into the same fields', () => {
    const msg = codec.unpack(Buffer.from(CUP_SALE_HEX, 'hex'));
    assert.deepEqual(msg, { ...cupSale(), fields: { ...cupSale().fields, 64: MAC_STAND_IN } });
  });

  it('gives the MAB as MTI through field 60, and hands it to the MAC function', () => {
    let seen: Buffer | undefined;
    const body = codec.packWithMac(cupSale(), (mab) => {
      seen = Buffer.from(mab);
      return Buffer.from('1122334455667788', 'hex');
    });
    const expectedMab = CUP_SALE_HEX.slice(0, -16);
    assert.equal(seen!.toString('hex').toUpperCase(), expectedMab);
    assert.equal(codec.macInput(body).toString('hex').toUpperCase(), expectedMab);
    assert.equal(body.subarray(-8).toString('hex'), '1122334455667788');
    assert.equal(codec.macInput(body).buffer, body.buffer, 'macInput is a view, not a copy');
  });

  it('refuses macInput on a body without field 64', () => {
    const err = codecError(() => codec.macInput(codec.pack(cupSale())));
    assert.equal(err.field, 64);
  });

  it('refuses a MAC function that does not return 8 bytes', () => {
    codecError(() => codec.packWithMac(cupSale(), () => Buffer.alloc(4)));
  });

  it('left-aligns an odd PAN and right-aligns odd fixed numerics per the dialect', () => {
    const body = codec.pack({ mti: '0800', fields: { 2: '123', 23: '001' } });
    // bitmap 40 00 02 00 ..: fields 2 and 23
    assert.equal(body.toString('hex'), '0800' + '4000020000000000' + '03' + '1230' + '0001');
  });

  it('pads short fixed values: n with leading zeros, ans with trailing spaces', () => {
    const msg = codec.unpack(codec.pack({ mti: '0200', fields: { 4: '100', 41: 'T1' } }));
    assert.equal(msg.fields[4], '000000000100');
    assert.equal(msg.fields[41], 'T1      ');
  });

  it('treats an undefined field value as absent', () => {
    const a = codec.pack({ mti: '0200', fields: { 3: '000000', 52: undefined as unknown as Buffer } });
    const b = codec.pack({ mti: '0200', fields: { 3: '000000' } });
    assert.deepEqual(a, b);
  });

  it('names the field, offset and reason of a non-digit BCD nibble', () => {
    const bytes = Buffer.from(CUP_SALE_HEX, 'hex');
    const at = 2 + 8 + 11; // field 3 starts after MTI, bitmap and the 11 bytes of field 2
    bytes[at] = 0x0a;
    const err = codecError(() => codec.unpack(bytes));
    assert.equal(err.field, 3);
    assert.equal(err.offset, at);
    assert.match(err.reason, /BCD/);
  });

  it('rejects trailing bytes, a truncated body and a field the dialect lacks', () => {
    const good = Buffer.from(CUP_SALE_HEX, 'hex');
    assert.match(codecError(() => codec.unpack(Buffer.concat([good, Buffer.from([0])]))).reason, /trailing/);
    const cut = codecError(() => codec.unpack(good.subarray(0, good.length - 3)));
    assert.equal(cut.field, 64);
    assert.match(cut.reason, /truncated/);
    const lacks = Buffer.from('0200' + '0800000000000000' + '000000000000', 'hex'); // field 5
    const err = codecError(() => codec.unpack(lacks));
    assert.equal(err.field, 5);
    assert.match(err.reason, /does not define/);
  });

  it('rejects a secondary bitmap the dialect does not allow', () => {
    assert.match(codecError(() => codec.unpack(Buffer.from('0200' + 'C000000000000000', 'hex'))).reason, /secondary/);
  });
});

describe('MessageCodec: iso87-ascii', () => {
  const codec = new MessageCodec(getDialect('iso87-ascii'));

  it('packs a 0200 with a secondary bitmap byte for byte as written out by hand', () => {
    const expected = Buffer.concat([Buffer.from(GENERIC_REQUEST_TEXT, 'latin1'), PIN_BLOCK, Buffer.from(GENERIC_REQUEST_TAIL, 'latin1')]);
    assert.deepEqual(codec.pack(genericRequest()), expected);
    assert.deepEqual(codec.unpack(expected), genericRequest());
  });

  it('reads lower-case hex bitmaps and leaves out the secondary when no field is above 64', () => {
    const body = codec.pack({ mti: '0800', fields: { 11: '000001', 70: '301' } });
    assert.equal(body.toString('latin1'), '0800' + '8020000000000000' + '0400000000000000' + '000001' + '301');
    const lower = Buffer.from(body.toString('latin1').toLowerCase(), 'latin1');
    assert.deepEqual(codec.unpack(lower), { mti: '0800', fields: { 11: '000001', 70: '301' } });
    assert.equal(codec.pack({ mti: '0810', fields: { 39: '00' } }).toString('latin1'), '0810' + '0000000002000000' + '00');
  });

  it('rejects a non-hex bitmap and a non-digit ASCII length prefix', () => {
    assert.match(codecError(() => codec.unpack(Buffer.from('0200G000000000000000', 'latin1'))).reason, /hex/);
    const err = codecError(() => codec.unpack(Buffer.from('0200' + '4000000000000000' + '1X' + '4111111111', 'latin1')));
    assert.equal(err.field, 2);
    assert.equal(err.offset, 21); // the 'X', second byte of the prefix at 20
  });

  it('rejects an x+n amount without its sign', () => {
    const body = codec.pack({ mti: '0200', fields: { 28: 'C00000150' } });
    body[body.length - 9] = 0x2b; // '+'
    assert.equal(codecError(() => codec.unpack(body)).field, 28);
  });
});

describe('MessageCodec: encode errors', () => {
  const cup = new MessageCodec(getDialect('cup-pos'));
  const generic = new MessageCodec(getDialect('iso87-ascii'));
  const cases: [string, MessageCodec, Record<number, unknown>, number, RegExp][] = [
    ['a PAN of 20 digits', cup, { 2: '12345678901234567890' }, 2, /too long/],
    ['a letter in an n field', cup, { 4: '00000000010A' }, 4, /'A'.*not allowed/],
    ['a space in an n field', generic, { 11: '00 001' }, 11, /not allowed/],
    ['a fixed field longer than its length', cup, { 3: '0000000' }, 3, /too long/],
    ['a control character in ans', cup, { 41: 'TERM\n001' }, 41, /0x0a/],
    ['punctuation in an', cup, { 39: '0!' }, 39, /not allowed/],
    ['a non-ASCII character in ans', generic, { 43: 'Café' }, 43, /not allowed/],
    ['a string in a b field', cup, { 52: '0123456789ABCDEF' }, 52, /Buffer/],
    ['a 7-byte PIN block', cup, { 52: Buffer.alloc(7) }, 52, /exactly 8/],
    ['a Buffer in an n field', cup, { 3: Buffer.alloc(3) }, 3, /string/],
    ['a letter in track 2', cup, { 35: '4761739001010119D2212' }, 35, /'D'/],
    ['x+n without sign', generic, { 28: '00000150' }, 28, /'C' or 'D'/],
    ['a field the dialect lacks', cup, { 5: '000000000100' }, 5, /unknown field/],
    ['field 1', generic, { 1: Buffer.alloc(8) }, 1, /unknown field/],
    ['field 129', generic, { 129: 'x' }, 129, /unknown field/],
  ];
  for (const [what, codec, fields, field, reason] of cases) {
    it(`refuses ${what}`, () => {
      const err = codecError(() => codec.pack({ mti: '0200', fields: fields as Record<number, string> }));
      assert.equal(err.field, field);
      assert.match(err.reason, reason);
    });
  }

  it('refuses a bad MTI and a missing message', () => {
    assert.match(codecError(() => cup.pack({ mti: '200', fields: {} })).reason, /MTI/);
    assert.match(codecError(() => cup.pack({ mti: '02A0', fields: {} })).reason, /MTI/);
    codecError(() => cup.pack(undefined as unknown as { mti: string; fields: {} }));
  });
});

describe('MessageCodec: hand-built wire forms, byte for byte', () => {
  it('cup-pos track 2 (field 35): left-aligned BCD, "=" as nibble D, a trailing 0 pad nibble, LL as one BCD byte', () => {
    const codec = new MessageCodec(getDialect('cup-pos'));
    const track = '4761739001010119=221210'; // 23 characters
    const hex = '0200' + '2000000020000000' + '000000' + '23' + '4761739001010119D2212100';
    const body = codec.pack({ mti: '0200', fields: { 3: '000000', 35: track } });
    assert.equal(body.toString('hex').toUpperCase(), hex);
    assert.deepEqual(codec.unpack(Buffer.from(hex, 'hex')).fields[35], track);
  });

  it('a binary secondary bitmap: bit 1 set in the primary, field 70 announced in the secondary', () => {
    const dialect = getDialect('cup-pos');
    dialect.name = 'cup-secondary';
    dialect.bitmap.secondary = true;
    dialect.fields['70'] = { name: 'Network management code', type: 'n', encoding: 'bcd', length: 'fixed', max: 3 };
    const codec = new MessageCodec(dialect);
    const hex = '0800' + '8020000000000000' + '0400000000000000' + '000001' + '0301';
    assert.equal(codec.pack({ mti: '0800', fields: { 11: '000001', 70: '301' } }).toString('hex').toUpperCase(), hex);
    assert.deepEqual(codec.unpack(Buffer.from(hex, 'hex')), { mti: '0800', fields: { 11: '000001', 70: '301' } });
  });

  it('an LLL length as two big-endian binary bytes (300 = 01 2C)', () => {
    const dialect = getDialect('cup-pos');
    dialect.fields['48'] = { name: 'Private', type: 'ans', encoding: 'ascii', length: 'LLL', prefix: 'binary', max: 999 };
    const codec = new MessageCodec(dialect);
    const text = 'x'.repeat(300);
    const hex = '0200' + '0000000000010000' + '012C' + Buffer.from(text, 'latin1').toString('hex').toUpperCase();
    assert.equal(codec.pack({ mti: '0200', fields: { 48: text } }).toString('hex').toUpperCase(), hex);
    assert.equal(codec.unpack(Buffer.from(hex, 'hex')).fields[48], text);
    assert.equal(codec.pack({ mti: '0200', fields: { 48: 'ABC' } }).toString('hex').toUpperCase(), '0200' + '0000000000010000' + '0003' + '414243');
  });
});

describe('MessageCodec: which keys pack', () => {
  const codec = new MessageCodec(getDialect('cup-pos'));

  it('packs own fields only, never ones inherited from a prototype', () => {
    const fields = Object.create({ 2: '6222021234567890123' }) as Record<number, string>;
    fields[3] = '000000';
    assert.deepEqual(codec.pack({ mti: '0200', fields }), codec.pack({ mti: '0200', fields: { 3: '000000' } }));
    assert.deepEqual(codec.unpack(codec.pack({ mti: '0200', fields })).fields, { 3: '000000' });
  });

  it('says a key like "02" is not a canonical field number, and a key like "x" is not a field number', () => {
    const padded = codecError(() => codec.pack({ mti: '0200', fields: { '02': '1234' } as unknown as Record<number, string> }));
    assert.match(padded.reason, /key "02" is not a canonical field number \(write 2\)/);
    const word = codecError(() => codec.pack({ mti: '0200', fields: { x: '1' } as unknown as Record<number, string> }));
    assert.match(word.reason, /key "x" is not a field number/);
  });
});
