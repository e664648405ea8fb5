import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import {
  checkValue,
  decodeSignOnKeys,
  deriveTerminalMasterKey,
  desDecrypt,
  encodeSignOnKeys,
  generateKey,
  KeyError,
  Prng,
  signOnKeysLength,
  withOddParity,
  type SignOnKeyLayout,
  type WorkingKeys,
} from '../../harness/security';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const HEX = (b: Buffer): string => b.toString('hex').toUpperCase();
const oddParity = (b: Buffer): boolean => [...b].every((x) => x.toString(2).split('1').length % 2 === 0);

describe('security/keys', () => {
  describe('checkValue', () => {
    it('reproduces the QPOS SDK key-loading example (cup-pos.md §3.4)', () => {
      const kek = hex('0123456789ABCDEFFEDCBA9876543210');
      const clear = desDecrypt(kek, hex('1A4D672DCA6CB3351FD1B02B237AF9AE'));
      assert.equal(HEX(clear), '0123456789ABCDEFFEDCBA9876543210');
      assert.equal(HEX(checkValue(clear, 8)), '08D7B4FB629D0885');
      assert.equal(HEX(checkValue(clear)), '08D7B4FB');
      assert.equal(HEX(checkValue(clear, 3)), '08D7B4');
    });
    it('is E(K, 0) for a single-length key: K = 0101010101010101 gives 8CA64D… (cup-pos.md §4.1)', () => {
      assert.equal(HEX(checkValue(hex('0101010101010101'))), '8CA64DE9');
    });
    it('rejects a length outside 1..8', () => {
      assert.throws(() => checkValue(hex('0101010101010101'), 0), RangeError);
      assert.throws(() => checkValue(hex('0101010101010101'), 9), RangeError);
    });
  });

  describe('parity and generation', () => {
    it('withOddParity fixes only the low bit of each byte', () => {
      assert.equal(HEX(withOddParity(hex('0000000000000000'))), '0101010101010101');
      assert.equal(HEX(withOddParity(hex('0123456789ABCDEF'))), '0123456789ABCDEF');
      assert.equal(HEX(withOddParity(hex('FFFFFFFFFFFFFFFF'))), 'FEFEFEFEFEFEFEFE');
      const raw = randomBytes(64);
      const fixed = withOddParity(raw);
      assert.ok(oddParity(fixed));
      for (let i = 0; i < raw.length; i++) assert.equal(fixed[i] & 0xfe, raw[i] & 0xfe);
    });
    it('generateKey returns odd-parity keys, deterministic for a seeded source', () => {
      const a = generateKey(16, (n) => new Prng('keys').bytes(n));
      const b = generateKey(16, (n) => new Prng('keys').bytes(n));
      assert.deepEqual(a, b);
      assert.equal(a.length, 16);
      assert.ok(oddParity(a));
      assert.equal(generateKey(8, randomBytes).length, 8);
    });
    it('generateKey draws again instead of returning a weak key or equal halves', () => {
      const draws = [Buffer.alloc(16), Buffer.alloc(16, 0x11), hex('0123456789ABCDEFFEDCBA9876543210')];
      const key = generateKey(16, () => draws.shift() as Buffer);
      assert.equal(HEX(key), '0123456789ABCDEFFEDCBA9876543210');
    });
    it('generateKey rejects a bad length or a bad random source', () => {
      assert.throws(() => generateKey(24 as 16, randomBytes), KeyError);
      assert.throws(() => generateKey(16, () => Buffer.alloc(8)), TypeError);
      assert.throws(() => generateKey(8, () => Buffer.alloc(8)), /only weak keys/);
    });
    it('deriveTerminalMasterKey is deterministic, odd parity, and differs per terminal and per seed', () => {
      const a = deriveTerminalMasterKey('fleet-seed', '10000001');
      assert.deepEqual(a, deriveTerminalMasterKey('fleet-seed', '10000001'));
      assert.equal(a.length, 16);
      assert.ok(oddParity(a));
      assert.notDeepEqual(a, deriveTerminalMasterKey('fleet-seed', '10000002'));
      assert.notDeepEqual(a, deriveTerminalMasterKey('other-seed', '10000001'));
      assert.throws(() => deriveTerminalMasterKey('', '10000001'), KeyError);
      assert.throws(() => deriveTerminalMasterKey('seed', ''), KeyError);
    });
  });

  describe('sign-on keys (field 62 of the 0810)', () => {
    const prng = new Prng('sign-on');
    const tmk = generateKey(16, (n) => prng.bytes(n));
    const double: WorkingKeys = {
      pik: generateKey(16, (n) => prng.bytes(n)),
      mak: generateKey(16, (n) => prng.bytes(n)),
      tdk: generateKey(16, (n) => prng.bytes(n)),
    };
    const single: WorkingKeys = { pik: generateKey(8, (n) => prng.bytes(n)), mak: generateKey(8, (n) => prng.bytes(n)) };
    const layouts: [SignOnKeyLayout, WorkingKeys, number][] = [
      ['001', single, 24],
      ['003', { pik: double.pik, mak: double.mak }, 40],
      ['004', double, 60],
    ];

    for (const [layout, keys, length] of layouts) {
      it(`layout ${layout}: ${length} bytes, E_TMK(key) ‖ KCV per key, round trip`, () => {
        const field62 = encodeSignOnKeys(tmk, keys, layout);
        assert.equal(field62.length, length);
        assert.equal(signOnKeysLength(layout), length);
        const keyLength = layout === '001' ? 8 : 16;
        // The PIK slot holds the encrypted PIK followed by its check value.
        assert.deepEqual(desDecrypt(tmk, field62.subarray(0, keyLength)), keys.pik);
        assert.deepEqual(field62.subarray(keyLength, keyLength + 4), checkValue(keys.pik));
        const decoded = decodeSignOnKeys(tmk, field62, layout);
        assert.deepEqual(decoded.pik, keys.pik);
        assert.deepEqual(decoded.mak, keys.mak);
        assert.deepEqual(decoded.tdk, layout === '004' ? keys.tdk : undefined);
      });

      it(`layout ${layout}: a flipped check-value byte or key byte gives KeyError naming the key`, () => {
        const field62 = encodeSignOnKeys(tmk, keys, layout);
        const keyLength = layout === '001' ? 8 : 16;
        const names = layout === '004' ? ['PIK', 'MAK', 'TDK'] : ['PIK', 'MAK'];
        names.forEach((name, i) => {
          const slot = i * (keyLength + 4);
          const badKcv = Buffer.from(field62);
          badKcv[slot + keyLength + 2] ^= 0x01;
          assert.throws(() => decodeSignOnKeys(tmk, badKcv, layout), (e: Error) => e instanceof KeyError && e.message === `${name} check value mismatch`);
          const badKey = Buffer.from(field62);
          badKey[slot] ^= 0x80;
          assert.throws(() => decodeSignOnKeys(tmk, badKey, layout), (e: Error) => e instanceof KeyError && e.message === `${name} check value mismatch`);
        });
      });

      it(`layout ${layout}: a wrong field length or a wrong TMK gives KeyError`, () => {
        const field62 = encodeSignOnKeys(tmk, keys, layout);
        assert.throws(() => decodeSignOnKeys(tmk, field62.subarray(1), layout), (e: Error) => e instanceof KeyError && /needs/.test(e.message));
        assert.throws(() => decodeSignOnKeys(tmk, Buffer.concat([field62, Buffer.alloc(4)]), layout), KeyError);
        assert.throws(() => decodeSignOnKeys(deriveTerminalMasterKey('x', 'y'), field62, layout), /PIK check value mismatch/);
      });
    }

    it('a field 62 of one layout does not decode as another', () => {
      const field62 = encodeSignOnKeys(tmk, double, '003');
      assert.throws(() => decodeSignOnKeys(tmk, field62, '001'), KeyError);
      assert.throws(() => decodeSignOnKeys(tmk, field62, '004'), KeyError);
    });

    it('encode refuses keys that do not fit the layout, and unknown layouts', () => {
      assert.throws(() => encodeSignOnKeys(tmk, double, '001'), /layout 001 needs a 8-byte PIK, got 16/);
      assert.throws(() => encodeSignOnKeys(tmk, single, '003'), /16-byte PIK, got 8/);
      assert.throws(() => encodeSignOnKeys(tmk, { pik: double.pik, mak: double.mak }, '004'), /layout 004 needs a TDK/);
      assert.throws(() => encodeSignOnKeys(tmk, double, '002' as SignOnKeyLayout), KeyError);
      assert.throws(() => encodeSignOnKeys(Buffer.alloc(10), double, '003'), /TMK must be 8, 16 or 24 bytes, got 10/);
      assert.throws(() => decodeSignOnKeys(tmk, Buffer.alloc(40), 'toString' as SignOnKeyLayout), KeyError);
    });

    it('never puts key material into an error message', () => {
      const field62 = encodeSignOnKeys(tmk, double, '004');
      const secrets = [tmk, double.pik, double.mak, double.tdk as Buffer, field62].flatMap((b) => [b.toString('hex'), b.toString('hex').toUpperCase()]);
      const bad = Buffer.from(field62);
      bad[41] ^= 1;
      const attempts = [
        () => decodeSignOnKeys(tmk, bad, '004'),
        () => decodeSignOnKeys(tmk, field62.subarray(3), '004'),
        () => encodeSignOnKeys(tmk, { pik: double.pik, mak: double.mak }, '004'),
      ];
      for (const attempt of attempts) {
        assert.throws(attempt, (e: Error) => {
          for (const s of secrets) assert.ok(!e.message.includes(s.slice(0, 8)) || s.slice(0, 8) === '00000000');
          return true;
        });
      }
    });
  });
});
