// Where the MAC sits is dialect data: 64, or 128 when the secondary bitmap is present (ISO 8583:1987), binary or hex.
import { strict as assert } from 'node:assert';
import { CodecError, DialectError, getDialect, MessageCodec, validateDialect, type Dialect } from '../../harness/iso8583';
import { computeMac, verifyMac } from '../../harness/security/mac';
import { genericRequest } from './samples';

const KK = Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex');
const x919 = (mab: Buffer) => computeMac('x9.19', KK, mab);

function codecError(fn: () => unknown): CodecError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof CodecError, `expected CodecError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a CodecError');
}

function problems(d: unknown): string[] {
  try {
    validateDialect(d, 'test');
  } catch (err) {
    assert.ok(err instanceof DialectError);
    return err.problems;
  }
  return [];
}

describe('MAC placement: iso87-ascii (64 with the primary bitmap only, 128 with the secondary)', () => {
  const codec = new MessageCodec(getDialect('iso87-ascii'));

  it('puts the MAC in 128 when field 90 is present, so changing a digit of field 90 breaks it', () => {
    let seen: Buffer | undefined;
    const body = codec.packWithMac(genericRequest(), (mab) => {
      seen = Buffer.from(mab);
      return x919(mab);
    });
    const back = codec.unpack(body);
    assert.equal(back.fields[64], undefined);
    assert.deepEqual(back.fields[128], x919(seen!));
    assert.deepEqual(codec.macInput(body), body.subarray(0, body.length - 8), 'the MAB is everything before 128, field 90 included');
    assert.deepEqual(codec.macInput(body), seen);
    assert.equal(codec.unpackDetailed(body).macField, 128);
    assert.equal(verifyMac('x9.19', KK, codec.macInput(body), back.fields[128] as Buffer), true);

    const tampered = Buffer.from(body);
    const at = body.indexOf('0200000041112113', 0, 'latin1'); // field 90's text
    assert.ok(at > 0);
    tampered[at + 5] = tampered[at + 5] === 0x30 ? 0x31 : 0x30;
    assert.equal(codec.unpack(tampered).fields[90] !== genericRequest().fields[90], true, 'still decodes');
    assert.equal(verifyMac('x9.19', KK, codec.macInput(tampered), codec.unpack(tampered).fields[128] as Buffer), false);
  });

  it('round-trips a 128 MAC: packWithMac replaces a stale 64 or 128 value, and repacks to the same bytes', () => {
    const msg = genericRequest();
    msg.fields[128] = Buffer.alloc(8, 0xee);
    const body = codec.packWithMac(msg, x919);
    const back = codec.unpack(body);
    assert.notDeepEqual(back.fields[128], Buffer.alloc(8, 0xee));
    assert.deepEqual(codec.pack(back), body);
    const { 128: mac, ...rest } = back.fields;
    assert.deepEqual(rest, genericRequest().fields);
    assert.deepEqual(mac, x919(codec.macInput(body)));
  });

  it('puts the MAC in 64 when no field above 64 is present', () => {
    const fields = { ...genericRequest().fields };
    delete fields[90];
    const body = codec.packWithMac({ mti: '0200', fields }, x919);
    assert.equal(codec.unpackDetailed(body).macField, 64);
    assert.deepEqual(codec.unpack(body).fields[64], x919(body.subarray(0, body.length - 8)));
  });

  it('refuses a MAC in 64 alongside fields above 64, packing and unpacking', () => {
    const msg = genericRequest();
    msg.fields[64] = Buffer.alloc(8, 1);
    const packErr = codecError(() => codec.pack(msg));
    assert.equal(packErr.field, 64);
    assert.match(packErr.reason, /field 128/);
    // The same message from a dialect that keeps the MAC in 64, as the old codec wrote it.
    const only64 = getDialect('iso87-ascii');
    only64.mac.fields = [64];
    const old = new MessageCodec(only64).pack(msg);
    const unpackErr = codecError(() => codec.unpack(old));
    assert.equal(unpackErr.field, 64);
    assert.match(unpackErr.reason, /field 128/);
    codecError(() => codec.macInput(old));
  });
});

describe('MAC placement: dialects that keep the MAC in 64, or write it as hex', () => {
  it('a dialect with mac.fields [64] keeps the MAC in 64 even with a secondary bitmap (fields above 64 follow it)', () => {
    const d = getDialect('cup-pos');
    d.bitmap.secondary = true;
    d.fields['90'] = { name: 'Original data elements', type: 'n', encoding: 'bcd', length: 'fixed', max: 42 };
    const codec = new MessageCodec(d);
    const body = codec.packWithMac({ mti: '0400', fields: { 11: '000123', 90: '0'.repeat(42) } }, () => Buffer.alloc(8, 7));
    const detail = codec.unpackDetailed(body);
    assert.equal(detail.macField, 64);
    assert.deepEqual(detail.message.fields[64], Buffer.alloc(8, 7));
    assert.equal(codec.macInput(body).length, body.length - 8 - 21);
  });

  it('a hex MAC field: 16 hex characters on the wire, 8 bytes in the message', () => {
    const d = getDialect('iso87-ascii');
    d.fields['64'] = { name: 'MAC', type: 'b', encoding: 'hex', length: 'fixed', max: 8 };
    d.fields['128'] = { name: 'MAC', type: 'b', encoding: 'hex', length: 'fixed', max: 8 };
    const codec = new MessageCodec(d);
    for (const withSecondary of [false, true]) {
      const msg = genericRequest();
      if (!withSecondary) delete msg.fields[90];
      const body = codec.packWithMac(msg, x919);
      const mab = body.subarray(0, body.length - 16);
      assert.deepEqual(codec.macInput(body), mab);
      const mac = x919(mab);
      assert.equal(body.toString('latin1', body.length - 16), mac.toString('hex').toUpperCase());
      assert.deepEqual(codec.unpack(body).fields[withSecondary ? 128 : 64], mac);
    }
  });

  it('validates the MAC placement, padding and cup-ecb key with a clear error each', () => {
    const base = getDialect('iso87-ascii');
    const withMac = (mac: Record<string, unknown>, change?: (d: Dialect) => void) => {
      const d = structuredClone(base);
      d.mac = { ...d.mac, ...mac } as unknown as Dialect['mac'];
      change?.(d);
      return problems(d);
    };
    assert.deepEqual(withMac({}), []);
    assert.match(withMac({ fields: [128] }).join('\n'), /mac\.fields: \[64\] .* or \[64, 128\]/);
    assert.match(withMac({ fields: [64, 128] }, (d) => (d.bitmap.secondary = false)).join('\n'), /128 needs bitmap\.secondary/);
    assert.match(withMac({}, (d) => (d.fields['128'].max = 4)).join('\n'), /fields\.128: field 128 carries the MAC/);
    assert.match(withMac({}, (d) => (d.fields['64'].type = 'ans')).join('\n'), /fields\.64: field 64 carries the MAC/);
    assert.match(withMac({ padding: 3 }).join('\n'), /mac\.padding: .*1 \(zeros\) or 2/);
    assert.match(withMac({ cupEcbKey: 'double' }).join('\n'), /mac\.cupEcbKey: only for algorithm cup-ecb/);
    const cup = structuredClone(getDialect('cup-pos')) as Dialect;
    cup.mac.cupEcbKey = 'double';
    assert.match(problems(cup).join('\n'), /double needs keyBytes: 16/);
    cup.mac.keyBytes = 16;
    assert.deepEqual(problems(cup), []);
    (cup.mac as { cupEcbKey: string }).cupEcbKey = 'triple';
    assert.match(problems(cup).join('\n'), /mac\.cupEcbKey: single .* or double/);
  });
});
