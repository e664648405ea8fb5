import { strict as assert } from 'node:assert';
import { createCipheriv } from 'node:crypto';
import fc from 'fast-check';
import { cachedKeyIds, cbcEncrypt, clearCipherCache, desDecrypt, desEncrypt, KeyError } from '../../harness/security';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const HEX = (b: Buffer): string => b.toString('hex').toUpperCase();

describe('security/des', () => {
  const vectors: { key: string; plain: string; cipher: string; source: string }[] = [
    { key: '0101010101010101', plain: '0000000000000000', cipher: '8CA64DE9C1B123A7', source: 'cup-pos.md §4.1' },
    // NIST SP 800-20 Table A.1 (variable plaintext KAT), round 0.
    { key: '0101010101010101', plain: '8000000000000000', cipher: '95F8A5E5DD31D900', source: 'NIST SP 800-20 A.1' },
    // NIST SP 800-20 Table A.2 (variable key KAT), round 0.
    { key: '8001010101010101', plain: '0000000000000000', cipher: '95A8D72813DAA94D', source: 'NIST SP 800-20 A.2' },
    // NIST SP 800-20 Table A.3 (permutation operation KAT), first entry.
    { key: '1046913489980131', plain: '0000000000000000', cipher: '88D55E54F54C97B4', source: 'NIST SP 800-20 A.3' },
    // The textbook worked example (J. Orlin Grabbe, "The DES Algorithm Illustrated").
    { key: '133457799BBCDFF1', plain: '0123456789ABCDEF', cipher: '85E813540F0AB405', source: 'Grabbe, DES illustrated' },
    // FIPS PUB 81 Appendix B Table B1: ECB of "Now is the time for all " under 0123456789ABCDEF.
    {
      key: '0123456789ABCDEF',
      plain: Buffer.from('Now is the time for all ', 'latin1').toString('hex'),
      cipher: '3FA40E8A984D4815 6A271787AB8883F9 893D51EC4B563B53',
      source: 'FIPS 81 B1',
    },
    // NIST SP 800-67 Rev.1 TDEA example: three keys, "The qufck brown fox jump" (sic).
    {
      key: '0123456789ABCDEF 23456789ABCDEF01 456789ABCDEF0123',
      plain: Buffer.from('The qufck brown fox jump', 'latin1').toString('hex'),
      cipher: 'A826FD8CE53B855F CCE21C8112256FE6 68D5C05DD9B6B900',
      source: 'NIST SP 800-67',
    },
    // 2-key TDEA vector from the Botan test suite (src/tests/data/block/des.vec, [TripleDES]).
    { key: '0123456789ABCDEF FEDCBA9876543210', plain: '0123456789ABCDE7', cipher: '7F1D0A77826B8AFF', source: 'Botan des.vec' },
    // cup-pos.md §3.4 (CSDN zhu244912654/80005341): TAK ciphertext under TMK → clear TAK.
    { key: '70F2A84CCBC2AE8625CBB0F2C22AB923', plain: 'C24A8FB57AA20123', cipher: '96D605EA176B7E9E', source: 'cup-pos.md §3.4' },
  ];

  for (const v of vectors) {
    it(`encrypts and decrypts the ${v.source} vector (${v.key.replace(/\s/g, '').length * 4}-bit key)`, () => {
      assert.equal(HEX(desEncrypt(hex(v.key), hex(v.plain))), v.cipher.replace(/\s/g, ''));
      assert.equal(HEX(desDecrypt(hex(v.key), hex(v.cipher))), HEX(hex(v.plain)));
    });
  }

  it('chains CBC like FIPS 81 Table C1 (IV 1234567890ABCDEF folded into the first block)', () => {
    // FIPS PUB 81 Appendix C, Table C1: CBC of "Now is the time for all " under 0123456789ABCDEF.
    const data = Buffer.from('Now is the time for all ', 'latin1');
    const iv = hex('1234567890ABCDEF');
    for (let i = 0; i < 8; i++) data[i] ^= iv[i];
    const expected = 'E5C7CDDE872BF27C43E934008C389C0F683788499A7C05F6';
    assert.equal(HEX(cbcEncrypt(hex('0123456789ABCDEF'), data)), expected);
    // A second identical call gives the same answer: cached chaining state must not leak between messages.
    assert.equal(HEX(cbcEncrypt(hex('0123456789ABCDEF'), data)), expected);
  });

  it('treats a 16-byte key as K1‖K2‖K1 and an 8-byte key as K‖K‖K (checked against Node des-ede-ecb)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.uint8Array({ minLength: 8, maxLength: 8 }), (k, p) => {
        const key = Buffer.from(k);
        const plain = Buffer.from(p);
        const ede = createCipheriv('des-ede-ecb', key, null).setAutoPadding(false).update(plain);
        assert.deepEqual(desEncrypt(key, plain), ede);
        const single = key.subarray(0, 8);
        const viaEde = createCipheriv('des-ede-ecb', Buffer.concat([single, single]), null).setAutoPadding(false).update(plain);
        assert.deepEqual(desEncrypt(single, plain), viaEde);
      }),
      { numRuns: 50 },
    );
  });

  it('round-trips any whole number of blocks under any key length', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(8, 16, 24).chain((n) => fc.uint8Array({ minLength: n, maxLength: n })),
        fc.integer({ min: 0, max: 6 }).chain((blocks) => fc.uint8Array({ minLength: blocks * 8, maxLength: blocks * 8 })),
        (k, d) => {
          const key = Buffer.from(k);
          const data = Buffer.from(d);
          assert.deepEqual(desDecrypt(key, desEncrypt(key, data)), data);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rejects bad key lengths with KeyError and ragged data with RangeError, naming only lengths', () => {
    const key = hex('0123456789ABCDEF');
    assert.throws(() => desEncrypt(Buffer.alloc(7), Buffer.alloc(8)), (e: Error) => e instanceof KeyError && /8, 16 or 24 bytes, got 7/.test(e.message));
    assert.throws(() => desDecrypt(Buffer.alloc(32), Buffer.alloc(8)), KeyError);
    assert.throws(() => desEncrypt(key, Buffer.alloc(9)), (e: Error) => e instanceof RangeError && !/0123456789/i.test(e.message));
    assert.throws(() => desEncrypt('0123456789ABCDEF' as unknown as Buffer, Buffer.alloc(8)), TypeError);
  });

  it('does not alter its inputs', () => {
    const key = hex('0123456789ABCDEF');
    const data = Buffer.from('Now is the time for all ', 'latin1');
    const copy = Buffer.from(data);
    cbcEncrypt(key, data);
    desEncrypt(key, data);
    assert.deepEqual(data, copy);
  });

  it('caches ciphers by a hash of the key: the right cipher for each of many distinct keys, no key bytes held', () => {
    clearCipherCache();
    const plain = hex('0123456789ABCDEF');
    // Keys that differ in one byte, or only as 8 vs 16 bytes, must never share an entry.
    const keys: Buffer[] = [];
    for (let i = 0; i < 40; i++) {
      const k = hex('0123456789ABCDEF FEDCBA9876543210');
      k[i % 16] ^= 1 + (i >> 4);
      keys.push(k, k.subarray(0, 8));
    }
    for (let round = 0; round < 2; round++) {
      for (const key of keys) {
        const ede = key.length === 8 ? Buffer.concat([key, key]) : key;
        const expected = createCipheriv('des-ede-ecb', ede, null).setAutoPadding(false).update(plain);
        assert.deepEqual(desEncrypt(key, plain), expected);
      }
    }
    const ids = cachedKeyIds();
    assert.equal(ids.length, new Set(keys.map((k) => k.toString('hex'))).size);
    for (const key of keys) {
      for (const id of ids) {
        assert.ok(!id.includes(key.toString('latin1')) && !id.includes(key.toString('hex')), 'no cache key holds key bytes');
      }
    }
    clearCipherCache();
  });
});
