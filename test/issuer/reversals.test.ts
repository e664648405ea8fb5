import { strict as assert } from 'node:assert';
import { generateAccounts, LATE_ORIGINAL_CODE, movesMoney, startIssuer, type IssuerHandle } from '../../harness/issuer';
import { IssuerClient, refundOf, reversal, sale, tempJournal, voidOf } from './helpers';

describe('issuer: reversals, voids and refunds', () => {
  const [card, other] = generateAccounts('reversals', 2, { pinShare: 0, balanceMin: 50_000, balanceMax: 50_000 });
  let issuer: IssuerHandle;
  let client: IssuerClient;
  let j: ReturnType<typeof tempJournal>;

  beforeEach(async () => {
    j = tempJournal();
    issuer = await startIssuer({ journalPath: j.file, accounts: [card, other] });
    client = await IssuerClient.connect(issuer.port);
  });
  afterEach(async () => {
    client.close();
    await issuer.close();
    j.cleanup();
  });

  it('credits a reversed sale once, however often the reversal comes (0400, 0401, 0420, 0421)', async () => {
    assert.equal((await client.request(sale(card, { stan: '000001', amount: 1_000 }))).fields[39], '00');
    const mtis = ['0400', '0401', '0420', '0421', '0421'];
    for (const [i, mti] of mtis.entries()) {
      const r = await client.request(reversal(card, { mti, stan: '000001', amount: 1_000, f7: `11211006${String(i).padStart(2, '0')}` }));
      assert.equal(r.mti, mti.startsWith('040') ? '0410' : '0430');
      assert.equal(r.fields[39], '00');
    }
    assert.equal(issuer.balance(card.pan), 50_000);
    const ledger = issuer.ledger();
    const reversals = ledger.filter((e) => e.type === 'reversal');
    assert.equal(reversals.length, 5);
    assert.equal(reversals[0].originalSeq, 1);
    assert.equal(reversals[0].duplicateOf, undefined);
    assert.ok(reversals.slice(1).every((e) => e.duplicateOf === reversals[0].seq), 'repeats point at the first reversal');
  });

  it('credits once when 0400, 0401, 0420 and 0421 of one sale arrive at the same time on four connections', async () => {
    assert.equal((await client.request(sale(card, { stan: '000001', amount: 1_000 }))).fields[39], '00');
    const others = await Promise.all([0, 1, 2].map(() => IssuerClient.connect(issuer.port)));
    try {
      const lines = [client, ...others];
      const replies = await Promise.all(['0400', '0401', '0420', '0421'].map((mti, i) =>
        lines[i].request(reversal(card, { mti, stan: '000001', amount: 1_000, f7: `112110070${i}` }))));
      assert.deepEqual(replies.map((r) => r.fields[39]), ['00', '00', '00', '00']);
    } finally {
      for (const c of others) c.close();
    }
    assert.equal(issuer.balance(card.pan), 50_000);
    const reversals = issuer.ledger().filter((e) => e.type === 'reversal');
    assert.equal(reversals.filter(movesMoney).length, 1, 'one credit');
    assert.equal(reversals.filter((e) => e.duplicateOf !== undefined).length, 3);
  });

  it('answers 25 to a reversal of a sale never seen, keeps a tombstone, and declines the late original', async () => {
    assert.equal((await client.request(sale(other, { stan: '000006', amount: 3_000 }))).fields[39], '00');
    const before = issuer.ledger();
    const r = await client.request(reversal(card, { mti: '0420', stan: '000007', amount: 2_000 }));
    assert.equal(r.fields[39], '25');
    assert.equal(issuer.balance(card.pan), 50_000);
    assert.equal(issuer.balance(other.pan), 47_000);
    const after = issuer.ledger();
    assert.deepEqual(after.slice(0, before.length), before, 'the ledger as it was, every entry unchanged');
    assert.equal(after.length, before.length + 1, 'only the reversal itself recorded');
    assert.equal(movesMoney(after[after.length - 1]), false);
    const late = await client.request(sale(card, { stan: '000007', amount: 2_000 }));
    assert.equal(late.fields[39], LATE_ORIGINAL_CODE);
    assert.equal(issuer.balance(card.pan), 50_000, 'the late original did not debit');
    const again = await client.request(reversal(card, { mti: '0421', stan: '000007', amount: 2_000 }));
    assert.equal(again.fields[39], '25');
    const [, tomb, declined, repeat] = issuer.ledger();
    assert.equal(tomb.type, 'reversal');
    assert.equal(tomb.originalSeq, undefined);
    assert.equal(declined.type, 'decline');
    assert.equal(declined.reversedBefore, tomb.seq);
    assert.equal(repeat.duplicateOf, tomb.seq);
    // A new sale with another STAN is unaffected.
    assert.equal((await client.request(sale(card, { stan: '000008', amount: 2_000 }))).fields[39], '00');
  });

  it('declines a repeat of a reversed sale (12) rather than replaying its approval from the duplicate check', async () => {
    const first = await client.request(sale(card, { stan: '000001', amount: 1_000 }));
    assert.equal(first.fields[39], '00');
    await client.request(reversal(card, { stan: '000001', amount: 1_000 }));
    assert.equal((await client.request(sale(card, { stan: '000001', amount: 1_000 }))).fields[39], LATE_ORIGINAL_CODE);
    assert.equal(issuer.balance(card.pan), 50_000);
  });

  it('answers 25 to a reversal of a declined sale and leaves the balance', async () => {
    assert.equal((await client.request(sale(card, { stan: '000001', amount: 60_000 }))).fields[39], '51');
    assert.equal((await client.request(reversal(card, { stan: '000001', amount: 60_000 }))).fields[39], '25');
    assert.equal(issuer.balance(card.pan), 50_000);
  });

  it('does not match a reversal with another amount, another terminal, another field 7 or another RRN', async () => {
    await client.request(sale(card, { stan: '000001', amount: 1_000, rrn: '000000000111' }));
    const misses = [
      reversal(card, { stan: '000001', amount: 999 }),
      reversal(card, { stan: '000001', amount: 1_000, tid: 'T0000009' }),
      reversal(card, { stan: '000001', amount: 1_000, originalF7: '1121100001' }),
      reversal(card, { stan: '000001', amount: 1_000, rrn: '000000000222' }),
    ];
    for (const m of misses) assert.equal((await client.request(m)).fields[39], '25');
    assert.equal(issuer.balance(card.pan), 49_000);
    assert.equal((await client.request(reversal(card, { stan: '000001', amount: 1_000, rrn: '000000000111' }))).fields[39], '00');
    assert.equal(issuer.balance(card.pan), 50_000);
  });

  it('finds the original when the switch sends field 7 of 90 as zeros (no record) or date only', async () => {
    await client.request(sale(card, { stan: '000001', amount: 1_000 }));
    await client.request(sale(card, { stan: '000002', amount: 2_000 }));
    assert.equal((await client.request(reversal(card, { stan: '000001', amount: 1_000, originalF7: '0000000000' }))).fields[39], '00');
    assert.equal((await client.request(reversal(card, { stan: '000002', amount: 2_000, originalF7: '1121000000' }))).fields[39], '00');
    assert.equal(issuer.balance(card.pan), 50_000);
    // An unknown-time tombstone still stops a late original with the same 41+42+11+4.
    assert.equal((await client.request(reversal(card, { stan: '000003', amount: 3_000, originalF7: '0000000000' }))).fields[39], '25');
    assert.equal((await client.request(sale(card, { stan: '000003', amount: 3_000 }))).fields[39], LATE_ORIGINAL_CODE);
  });

  it('voids a sale: credits it once, a repeat of the same void answers 00 without credit, another void 12, none 25', async () => {
    await client.request(sale(card, { stan: '000001', amount: 4_000 }));
    const v = await client.request(voidOf(card, { stan: '000002', originalStan: '000001', amount: 4_000 }));
    assert.equal(v.fields[39], '00');
    assert.equal(issuer.balance(card.pan), 50_000);
    const again = await client.request(voidOf(card, { stan: '000002', originalStan: '000001', amount: 4_000, f7: '1121100300' }));
    assert.equal(again.fields[39], '00');
    assert.equal((await client.request(voidOf(card, { stan: '000003', originalStan: '000001', amount: 4_000 }))).fields[39], '12');
    assert.equal((await client.request(voidOf(card, { stan: '000004', originalStan: '000099', amount: 4_000 }))).fields[39], '25');
    assert.equal((await client.request(voidOf(card, { stan: '000005', originalStan: '000001', amount: 3_999 }))).fields[39], '25', 'a void is for the full amount');
    assert.equal(issuer.balance(card.pan), 50_000);
    const voids = issuer.ledger().filter((e) => e.type === 'void');
    assert.equal(voids[0].originalSeq, 1);
    assert.equal(voids[1].duplicateOf, voids[0].seq);
  });

  it('files a void or a refund that found nothing as a decline (25) that moves nothing', async () => {
    await client.request(sale(card, { stan: '000001', amount: 4_000 }));
    assert.equal((await client.request(voidOf(card, { stan: '000002', originalStan: '000099', amount: 4_000 }))).fields[39], '25');
    assert.equal((await client.request(refundOf(card, { stan: '000003', originalStan: '000098', amount: 1_000 }))).fields[39], '25');
    const misses = issuer.ledger().filter((e) => e.stan === '000002' || e.stan === '000003');
    assert.deepEqual(misses.map((e) => [e.mti, e.type, e.responseCode, e.originalSeq]), [['0200', 'decline', '25', undefined], ['0220', 'decline', '25', undefined]]);
    assert.ok(misses.every((e) => !movesMoney(e)));
    assert.equal(issuer.balance(card.pan), 46_000);
  });

  it('reversing a void puts the debit back; reversing a voided sale credits nothing', async () => {
    await client.request(sale(card, { stan: '000001', amount: 4_000 }));
    await client.request(voidOf(card, { stan: '000002', originalStan: '000001', amount: 4_000, f7: '1121100200' }));
    const rv = reversal(card, { stan: '000002', amount: 4_000, originalF7: '1121100200' });
    rv.fields[3] = '200000';
    assert.equal((await client.request(rv)).fields[39], '00');
    assert.equal(issuer.balance(card.pan), 46_000, 'the void is undone');
    assert.equal((await client.request(voidOf(card, { stan: '000003', originalStan: '000001', amount: 4_000, f7: '1121100400' }))).fields[39], '00');
    assert.equal(issuer.balance(card.pan), 50_000);
    assert.equal((await client.request(reversal(card, { stan: '000001', amount: 4_000 }))).fields[39], '00');
    assert.equal(issuer.balance(card.pan), 50_000, 'the sale was already voided');
  });

  it('refunds partially up to the original amount; 13 past it, 25 without an original, 12 for a reversed one', async () => {
    await client.request(sale(card, { stan: '000001', amount: 5_000 }));
    assert.equal((await client.request(refundOf(card, { stan: '000002', originalStan: '000001', amount: 2_000 }))).fields[39], '00');
    const second = await client.request(refundOf(card, { stan: '000003', originalStan: '000001', amount: 3_000 }));
    assert.equal(second.mti, '0230');
    assert.equal(second.fields[39], '00');
    assert.equal((await client.request(refundOf(card, { stan: '000004', originalStan: '000001', amount: 1 }))).fields[39], '13');
    assert.equal((await client.request(refundOf(card, { stan: '000005', originalStan: '000077', amount: 1 }))).fields[39], '25');
    assert.equal((await client.request(refundOf(other, { stan: '000006', originalStan: '000001', amount: 1 }))).fields[39], '25', 'another card');
    assert.equal(issuer.balance(card.pan), 50_000);
    await client.request(sale(card, { stan: '000010', amount: 1_000 }));
    await client.request(reversal(card, { stan: '000010', amount: 1_000 }));
    assert.equal((await client.request(refundOf(card, { stan: '000011', originalStan: '000010', amount: 1_000 }))).fields[39], '12');
    const credits = issuer.ledger().filter((e) => e.type === 'credit');
    assert.deepEqual(credits.map((e) => [e.amount, e.originalSeq]), [[2_000, 1], [3_000, 1]]);
  });
});
