// combinedDirectory: a fleet of several id ranges as one terminal directory, each range with its merchant.
import { strict as assert } from 'node:assert';
import { deriveTerminalMasterKey } from '../../harness/security';
import { combinedDirectory, terminalRange } from '../../harness/switch/terminal-directory';

describe('switch terminal directory: several ranges as one', () => {
  const bakery = terminalRange({ seed: 's/tmk', firstId: 30000001, count: 3, merchantId: () => '898310058120001' });
  const market = terminalRange({ seed: 's/tmk', firstId: 30000101, count: 5, merchantId: () => '898310054110002' });
  const both = combinedDirectory([bakery, market]);

  it('knows every terminal of every range, each with its range\'s merchant and the seed\'s TMK', () => {
    assert.equal(both.lookup('30000001')?.merchantId, '898310058120001');
    assert.equal(both.lookup('30000003')?.merchantId, '898310058120001');
    assert.equal(both.lookup('30000101')?.merchantId, '898310054110002');
    assert.equal(both.lookup('30000105')?.merchantId, '898310054110002');
    assert.deepEqual(both.lookup('30000105')?.tmk, deriveTerminalMasterKey('s/tmk', '30000105'));
  });

  it('knows nothing between or past the ranges, nor a malformed id', () => {
    for (const id of ['30000004', '30000100', '30000106', '3000000', 'abcdefgh']) assert.equal(both.lookup(id), undefined, id);
  });

  it('the first range that knows an id answers for it', () => {
    const other = terminalRange({ seed: 's/tmk', firstId: 30000001, count: 1, merchantId: () => '111111111111111' });
    assert.equal(combinedDirectory([bakery, other]).lookup('30000001')?.merchantId, '898310058120001');
    assert.equal(combinedDirectory([other, bakery]).lookup('30000001')?.merchantId, '111111111111111');
  });

  it('rejects no directories or one without lookup', () => {
    assert.throws(() => combinedDirectory([]), /at least one directory/);
    assert.throws(() => combinedDirectory([bakery, {} as never]), /lookup/);
  });
});
