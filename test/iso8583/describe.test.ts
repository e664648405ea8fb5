import { strict as assert } from 'node:assert';
import { fieldRows, getDialect, MessageCodec, showValue, validateDialect } from '../../harness/iso8583';

describe('showValue: card data masked, secrets never shown', () => {
  // EMV field 55: 9F26 (cryptogram), 5A (PAN 19 digits, F-padded), 57 (track 2 equivalent), 5F20 (name), 9F36.
  const icc = Buffer.from(
    '9F2608A1B2C3D4E5F60718' + '5A0A6222021234567890123F' + '57136222021234567890123D28122011234567890F' + '5F200A4A4F484E20534D495448' + '9F36020042',
    'hex',
  );

  it('masks the PAN and track 2 inside ICC data (field 55), stars the name, keeps the other tags', () => {
    const shown = showValue('icc', icc, false);
    assert.equal(
      shown,
      '9F2608A1B2C3D4E5F60718' + '5A0A622202*********0123F' + '5713622202*********0123D' + '*'.repeat(17) + 'F' + '5F200A' + '*'.repeat(20) + '9F36020042',
    );
    assert.doesNotMatch(shown, /1234567890/);
    assert.equal(showValue('icc', icc, true), icc.toString('hex').toUpperCase());
  });

  it('masks ICC data whole when it does not parse as TLV', () => {
    assert.equal(showValue('icc', Buffer.from('5A0A622202', 'hex'), false), '[masked 5 bytes: not TLV]');
    assert.equal(showValue('icc', Buffer.from('9F', 'hex'), false), '[masked 1 bytes: not TLV]');
    assert.equal(showValue('icc', Buffer.from('5A84', 'hex'), false), '[masked 2 bytes: not TLV]');
  });

  it('never shows the PIN block or field 62 key material, even unmasked', () => {
    assert.equal(showValue('secret', Buffer.alloc(8, 0x12), true), '[redacted 8 bytes]');
    assert.equal(showValue('secret', Buffer.alloc(24, 0x34), true), '[redacted 24 bytes]');
  });

  it('masks ICC data carried as hex text (an ans field marked icc), and hex text that is not TLV whole', () => {
    const text = icc.toString('hex');
    assert.equal(showValue('icc', text, false), showValue('icc', icc, false));
    assert.equal(showValue('icc', 'ZZ12', false), '[masked 4 characters: not hex TLV]');
    assert.equal(showValue('icc', text, true), text);
  });

  it('decides by the dialect: iso87-ascii marks 55 icc and leaves 62 alone; a field marked pan is masked', () => {
    const d = getDialect('iso87-ascii');
    assert.equal(d.fields['55'].sensitive, 'icc');
    assert.equal(d.fields['62'].sensitive, undefined);
    d.fields['48'] = { ...d.fields['48'], sensitive: 'pan' };
    const codec = new MessageCodec(d);
    const body = codec.pack({ mti: '0100', fields: { 48: '4761739001010119', 55: icc.toString('hex'), 62: 'private text' } });
    const detail = codec.unpackDetailed(body);
    const rows = fieldRows(d, detail.message.fields, detail.spans, false);
    assert.deepEqual(rows.map((r) => r.value), ['476173******0119', showValue('icc', icc, false), 'private text']);
  });

  it('gives a user dialect without marks the ISO 8583:1987 roles, and refuses an unknown mark', () => {
    const d = getDialect('iso87-ascii') as unknown as { fields: Record<string, Record<string, unknown>> };
    for (const spec of Object.values(d.fields)) delete spec.sensitive;
    const plain = validateDialect(d, 'unmarked');
    assert.deepEqual(['2', '34', '35', '36', '45', '52', '55', '62'].map((f) => plain.fields[f].sensitive), ['pan', 'pan', 'track', 'track', 'track', 'secret', 'icc', undefined]);
    d.fields['48'].sensitive = 'card';
    assert.throws(() => validateDialect(d, 'bad mark'), /fields\.48\.sensitive/);
  });
});
