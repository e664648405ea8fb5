import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { getDialect, MessageCodec } from '../../harness/iso8583';
import { everyKindDialect, message } from './arbitraries';

const RUNS = { numRuns: 300, seed: 8583 };

describe('round trip (fast-check)', () => {
  for (const [mti, bitmap] of [['bcd', 'binary'], ['ascii', 'hex']] as const) {
    const dialect = everyKindDialect(mti, bitmap);
    const codec = new MessageCodec(dialect);

    it(`every type × encoding × prefix (${Object.keys(dialect.fields).length} fields, MTI ${mti}, bitmap ${bitmap}): unpack(pack(m)) = m`, () => {
      fc.assert(
        fc.property(message(dialect, 120), (m) => {
          assert.deepEqual(codec.unpack(codec.pack(m)), m);
        }),
        RUNS,
      );
    });
  }

  for (const name of ['cup-pos', 'iso87-ascii']) {
    const codec = new MessageCodec(getDialect(name));
    it(`${name}: unpack(pack(m)) = m and pack(unpack(body)) = body`, () => {
      fc.assert(
        fc.property(message(codec.dialect, 60), (m) => {
          const body = codec.pack(m);
          const back = codec.unpack(body);
          assert.deepEqual(back, m);
          assert.deepEqual(codec.pack(back), body);
        }),
        RUNS,
      );
    });
  }

  it('cup-pos: the MAB is the body before field 64, whatever the fields', () => {
    const codec = new MessageCodec(getDialect('cup-pos'));
    fc.assert(
      fc.property(message(codec.dialect, 30), (m) => {
        let mab: Buffer | undefined;
        const body = codec.packWithMac(m, (b) => {
          mab = Buffer.from(b);
          return Buffer.alloc(8, 0x5a);
        });
        assert.deepEqual(codec.macInput(body), mab);
        assert.deepEqual(body.subarray(-8), Buffer.alloc(8, 0x5a));
        assert.equal(mab!.length, body.length - 8);
      }),
      { numRuns: 100, seed: 64 },
    );
  });
});
