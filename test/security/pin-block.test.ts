import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  clearPinBlock,
  decodePinBlock,
  desDecrypt,
  desEncrypt,
  encodePinBlock,
  KeyError,
  translatePinBlock,
} from '../../harness/security';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const HEX = (b: Buffer): string => b.toString('hex').toUpperCase();

describe('security/pin-block (ISO 9564 format 0)', () => {
  const pik = hex('0123456789ABCDEFFEDCBA9876543210');
  const zpk = hex('89ABCDEF0123456776543210FEDCBA98');

  it('builds the widely published clear block for PIN 1234, PAN 4111111111111111', () => {
    // PIN field 041234FFFFFFFFFF XOR PAN field 0000111111111111 = 041225EEEEEEEEEE: the textbook ISO 9564-1
    // format 0 example (e.g. EFTlab's PIN block reference, and many public payment test suites).
    assert.equal(HEX(clearPinBlock('1234', '4111111111111111')), '041225EEEEEEEEEE');
  });

  it('takes the 12 digits left of the check digit from a 19-digit PAN (computed from the definition)', () => {
    // PAN field 0000 345678901234 (from 622012345678901234|5); 041234FFFFFFFFFF XOR that.
    assert.equal(HEX(clearPinBlock('1234', '6220123456789012345')), '041200A9876FEDCB');
  });

  it('writes a 12-digit PIN length as the nibble C', () => {
    assert.equal(HEX(clearPinBlock('123456789012', '4111111111111111')).slice(0, 2), '0C');
  });

  it('encrypts the clear block under the PIK (ECB) and decodes back', () => {
    const block = encodePinBlock('1234', '4111111111111111', pik);
    assert.deepEqual(block, desEncrypt(pik, hex('041225EEEEEEEEEE')));
    assert.equal(HEX(desDecrypt(pik, block)), '041225EEEEEEEEEE');
    assert.equal(decodePinBlock(block, '4111111111111111', pik), '1234');
  });

  it('round-trips any 4-12 digit PIN with any PAN and an 8- or 16-byte PIK', () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^\d{4,12}$/),
        fc.stringMatching(/^\d{12,19}$/),
        fc.constantFrom(pik, pik.subarray(0, 8)),
        (pin, pan, key) => {
          assert.equal(decodePinBlock(encodePinBlock(pin, pan, key), pan, key), pin);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('translates from the PIK to another key without changing the clear block', () => {
    const block = encodePinBlock('987654', '6220123456789012345', pik);
    const translated = translatePinBlock(block, '6220123456789012345', pik, zpk);
    assert.notDeepEqual(translated, block);
    assert.deepEqual(translated, encodePinBlock('987654', '6220123456789012345', zpk));
    assert.equal(decodePinBlock(translated, '6220123456789012345', zpk), '987654');
  });

  it('refuses to decode or translate under the wrong key or for the wrong PAN, without revealing the PIN', () => {
    const block = encodePinBlock('1234', '4111111111111111', pik);
    const check = (e: Error) => e instanceof KeyError && /malformed PIN block/.test(e.message) && !e.message.includes('1234');
    assert.throws(() => decodePinBlock(block, '4111111111111111', zpk), check);
    assert.throws(() => translatePinBlock(block, '4111111111111111', zpk, pik), check);
    // A PAN differing in the 12 significant digits makes the PIN field malformed ('2' XOR 'E' etc.).
    assert.throws(() => decodePinBlock(block, '4222222222222222', pik), check);
  });

  it('rejects malformed clear blocks: wrong format nibble, bad length, non-digit PIN, bad filler', () => {
    const pan = '4111111111111111';
    const panField = hex('0000111111111111');
    const encryptClear = (pinField: string) => desEncrypt(pik, Buffer.from(hex(pinField).map((x, i) => x ^ panField[i])));
    for (const pinField of ['141234FFFFFFFFFF', '031234FFFFFFFFFF', '0D1234FFFFFFFFFF', '04123AFFFFFFFFFF', '041234FFFFFFFF0F']) {
      assert.throws(() => decodePinBlock(encryptClear(pinField), pan, pik), KeyError, pinField);
    }
    assert.equal(decodePinBlock(encryptClear('041234FFFFFFFFFF'), pan, pik), '1234');
  });

  it('rejects bad PINs, PANs and block lengths with KeyError', () => {
    assert.throws(() => encodePinBlock('123', '4111111111111111', pik), /PIN must be 4 to 12 digits/);
    assert.throws(() => encodePinBlock('1234567890123', '4111111111111111', pik), KeyError);
    assert.throws(() => encodePinBlock('12a4', '4111111111111111', pik), KeyError);
    assert.throws(() => encodePinBlock('1234', '41111111111111111111', pik), /PAN must be 8 to 19 digits/);
    assert.throws(() => encodePinBlock('1234', '4111-1111', pik), KeyError);
    assert.throws(() => decodePinBlock(Buffer.alloc(16), '4111111111111111', pik), /PIN block must be 8 bytes, got 16/);
    assert.throws(() => translatePinBlock(Buffer.alloc(7), '4111111111111111', pik, zpk), KeyError);
  });
});
