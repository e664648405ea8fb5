import { strict as assert } from 'node:assert';
import { showValue } from '../../harness/iso8583';

describe('showValue: card data masked, secrets never shown', () => {
  // EMV field 55: 9F26 (cryptogram), 5A (PAN 19 digits, F-padded), 57 (track 2 equivalent), 5F20 (name), 9F36.
  const icc = Buffer.from(
    '9F2608A1B2C3D4E5F60718' + '5A0A6222021234567890123F' + '57136222021234567890123D28122011234567890F' + '5F200A4A4F484E20534D495448' + '9F36020042',
    'hex',
  );

  it('masks the PAN and track 2 inside ICC data (field 55), stars the name, keeps the other tags', () => {
    const shown = showValue(55, icc, false);
    assert.equal(
      shown,
      '9F2608A1B2C3D4E5F60718' + '5A0A622202*********0123F' + '5713622202*********0123D' + '*'.repeat(17) + 'F' + '5F200A' + '*'.repeat(20) + '9F36020042',
    );
    assert.doesNotMatch(shown, /1234567890/);
    assert.equal(showValue(55, icc, true), icc.toString('hex').toUpperCase());
  });

  it('masks ICC data whole when it does not parse as TLV', () => {
    assert.equal(showValue(55, Buffer.from('5A0A622202', 'hex'), false), '[masked 5 bytes: not TLV]');
    assert.equal(showValue(55, Buffer.from('9F', 'hex'), false), '[masked 1 bytes: not TLV]');
    assert.equal(showValue(55, Buffer.from('5A84', 'hex'), false), '[masked 2 bytes: not TLV]');
  });

  it('never shows the PIN block or field 62 key material, even unmasked', () => {
    assert.equal(showValue(52, Buffer.alloc(8, 0x12), true), '[redacted 8 bytes]');
    assert.equal(showValue(62, Buffer.alloc(24, 0x34), true), '[redacted 24 bytes]');
  });
});
