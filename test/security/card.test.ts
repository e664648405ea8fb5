import { strict as assert } from 'node:assert';
import { cardRef, maskPan, maskPansInText } from '../../harness/security';

describe('security/card', () => {
  it('masks a PAN to its first 6 and last 4 digits', () => {
    assert.equal(maskPan('6220123456789012345'), '622012*********2345');
    assert.equal(maskPan('4111111111111111'), '411111******1111');
    assert.equal(maskPan('1234567890'), '**********');
  });
  it('masks PAN-like digit runs inside text and leaves shorter numbers alone', () => {
    assert.equal(maskPansInText('card 4111111111111111 stan 000123'), 'card 411111******1111 stan 000123');
  });
  it('gives a stable reference that differs per card and does not contain the PAN', () => {
    assert.equal(cardRef('4111111111111111'), cardRef('4111111111111111'));
    assert.notEqual(cardRef('4111111111111111'), cardRef('4111111111111112'));
    assert.match(cardRef('4111111111111111'), /^[0-9a-f]{16}$/);
  });
});
