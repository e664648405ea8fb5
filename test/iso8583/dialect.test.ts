import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DialectError, getDialect, MessageCodec, type Dialect } from '../../harness/iso8583';

const CUSTOM_YAML = `
name: acme-host
description: an acquirer's host link with a 4-digit ASCII length and BCD numerics
framing:
  length: { encoding: ascii, bytes: 4, includesHeader: false }
  tpdu: false
  headerLength: 0
  maxFrameLength: 2000
mti: { encoding: ascii }
bitmap: { encoding: binary, secondary: false }
fields:
  "2":  { name: PAN, type: n, encoding: bcd, length: LL, prefix: binary, max: 19 }
  "4":  { name: Amount, type: n, encoding: bcd, length: fixed, max: 12 }
  "28": { name: Fee, type: x+n, encoding: bcd, length: fixed, max: 8 }
  "39": { name: Response code, type: an, encoding: ascii, length: fixed, max: 2 }
  "48": { name: Private, type: b, encoding: hex, length: LLL, prefix: ascii, max: 50 }
  "64": { name: MAC, type: b, encoding: binary, length: fixed, max: 8 }
mac: { algorithm: x9.19, keyBytes: 16 }
responseCodes:
  "00": approved
  "Z1": acme special
`;

const BROKEN_YAML = `
name: broken
framing:
  length: { encoding: bcd, bytes: 2, includesHeader: true }
  tpdu: true
  headerLength: 6
  maxFrameLength: 20000
mti: { encoding: ebcdic }
bitmap: { encoding: binary, secondary: false }
fields:
  "1":  { name: X, type: b, encoding: binary, length: fixed, max: 8 }
  "2":  { name: PAN, type: n, encoding: binary, length: LL, max: 19 }
  "3":  { name: Code, type: n, encoding: bcd, length: fixed, prefix: bcd, max: 6 }
  "35": { name: Track 2, type: z, encoding: lbcd, length: LL, prefix: bcd, max: 104 }
  "41": { name: Terminal, type: ans, encoding: ascii, length: fixed }
  "64": { name: MAC, type: b, encoding: binary, length: fixed, max: 4 }
  "70": { name: Net, type: n, encoding: bcd, length: fixed, max: 3 }
mac: { algorithm: x9.19, keyBytes: 8 }
messageTypes: { "0200": sale, "200": short, "0400": "" }
responseCodes: { "00": approved, "a0": lower case }
colour: blue
`;

describe('dialects', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'posfault-dialect-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  function file(name: string, text: string): string {
    const p = path.join(dir, name);
    writeFileSync(p, text);
    return p;
  }

  it('loads the built-ins with the defaults the wire profile names', () => {
    const cup = getDialect('cup-pos');
    assert.equal(cup.tpdu, '6000030000');
    assert.equal(cup.header, '603100000000');
    assert.deepEqual(cup.framing, { length: { encoding: 'binary', bytes: 2, includesHeader: true }, tpdu: true, headerLength: 6, maxFrameLength: 4096 });
    assert.deepEqual(cup.mac, { algorithm: 'cup-ecb', keyBytes: 8, fields: [64], padding: 1 });
    assert.deepEqual(getDialect('iso87-ascii').mac, { algorithm: 'x9.19', keyBytes: 16, fields: [64, 128], padding: 1 });
    for (const code of ['94', '97', '98', 'A0']) assert.ok(cup.responseCodes[code], code);
    const generic = getDialect('iso87-ascii');
    assert.equal(generic.framing.tpdu, false);
    assert.equal(generic.bitmap.secondary, true);
    for (let n = 2; n <= 128; n++) assert.ok(generic.fields[n], `field ${n}`);
    assert.equal(generic.responseCodes['94'], 'duplicate transmission');
    assert.equal(generic.responseCodes['A0'], undefined);
    assert.equal(cup.messageTypes?.['0400'], 'Reversal request');
    assert.equal(generic.messageTypes?.['0420'], 'Reversal advice');
  });

  it('hands out copies: changing one does not change the next', () => {
    const a = getDialect('cup-pos');
    a.fields[2].max = 5;
    assert.equal(getDialect('cup-pos').fields[2].max, 19);
  });

  it('loads a custom YAML dialect and codes with it', () => {
    const dialect = getDialect(file('acme.yaml', CUSTOM_YAML));
    const codec = new MessageCodec(dialect);
    const body = codec.pack({ mti: '0210', fields: { 2: '4111111111111', 4: '250', 28: 'C75', 39: 'Z1', 48: Buffer.from([0xbe, 0xef]) } });
    const expected = Buffer.concat([
      Buffer.from('0210', 'latin1'),
      Buffer.from('5000001002010000', 'hex'), // 2 4 | - | - | 28 | 39 | 48 | - | -
      Buffer.from('0d' + '04111111111111', 'hex'), // 13 digits right-aligned
      Buffer.from('000000000250', 'hex'),
      Buffer.from('C', 'latin1'),
      Buffer.from('00000075', 'hex'),
      Buffer.from('Z1' + '002' + 'BEEF', 'latin1'),
    ]);
    assert.deepEqual(body, expected);
    assert.deepEqual(codec.unpack(body).fields[28], 'C00000075');
  });

  it('loads the same dialect from JSON', () => {
    const json = file('cup-copy.json', JSON.stringify(getDialect('cup-pos')));
    assert.deepEqual(getDialect(json), getDialect('cup-pos'));
  });

  it('reports every mistake of a broken file with its path', () => {
    let err: DialectError | undefined;
    const p = file('broken.yml', BROKEN_YAML);
    try {
      getDialect(p);
    } catch (e) {
      err = e as DialectError;
    }
    assert.ok(err instanceof DialectError);
    const expected: [string, RegExp][] = [
      ['framing.maxFrameLength', /20000 does not fit a 2-byte bcd length/],
      ['mti.encoding', /bcd.*ascii/],
      ['fields.1', /2\.\.128/],
      ['fields.2.encoding', /type n cannot use encoding binary/],
      ['fields.2.prefix', /needs a prefix/],
      ['fields.3.prefix', /fixed field has no length prefix/],
      ['fields.35.max', /LL field holds at most 99/],
      ['fields.41.max', /./],
      ['fields.64', /MAC/],
      ['fields.70', /secondary/],
      ['mac.keyBytes', /16-byte/],
      ['tpdu', /framing.tpdu is true/],
      ['header', /12 hex characters/],
      ['responseCodes.a0', /two digits or capital letters/],
      ['messageTypes.200', /an MTI is four digits/],
      ['messageTypes.0400', /say what the message is/],
      ['(top level)', /colour/],
    ];
    for (const [where, what] of expected) {
      const line = err.problems.find((p) => p.startsWith(where + ':'));
      assert.ok(line, `no problem reported at ${where}; got:\n${err.message}`);
      assert.match(line, what);
    }
    assert.equal(err.problems.length, expected.length, err.message);
    assert.ok(err.message.includes(p));
  });

  it('says clearly what is wrong with an unreadable, unparsable or unknown source', () => {
    assert.throws(() => getDialect('cup'), (e: DialectError) => /not a built-in dialect \(cup-pos, iso87-ascii\)/.test(e.message));
    assert.throws(() => getDialect(path.join(dir, 'missing.yaml')), (e: DialectError) => /cannot read the file: ENOENT/.test(e.message));
    assert.throws(() => getDialect(file('bad.yaml', 'name: [unclosed')), (e: DialectError) => /not valid YAML/.test(e.message));
    assert.throws(() => getDialect(file('bad.json', '{"name": ')), (e: DialectError) => /not valid JSON/.test(e.message));
    assert.throws(() => getDialect(file('list.yaml', '- 1\n- 2\n')), (e: DialectError) => /a dialect is an object/.test(e.message));
  });

  it('validates a dialect built in code when a codec is made from it', () => {
    const bad = { ...getDialect('cup-pos'), bitmap: { encoding: 'octal', secondary: false } } as unknown as Dialect;
    assert.throws(() => new MessageCodec(bad), (e: DialectError) => e instanceof DialectError && /bitmap.encoding/.test(e.message));
  });
});
