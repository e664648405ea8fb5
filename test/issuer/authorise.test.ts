import { strict as assert } from 'node:assert';
import { luhnCheckDigit, startIssuer, type AccountSpec, type IssuerHandle } from '../../harness/issuer';
import { IssuerClient, inquiry, sale, tempJournal, TID } from './helpers';

function card(body15: string, extra: Partial<AccountSpec> = {}): AccountSpec {
  return { pan: body15 + luhnCheckDigit(body15), expiry: '3012', balance: 100_000, ...extra };
}

describe('issuer: sales and inquiries over the wire', () => {
  const plain = card('622202000000001');
  const withPin = card('622202000000002', { pin: '123456' });
  const blocked = card('622202000000003', { status: 'blocked' });
  const expired = card('622202000000004', { expiry: '2001' });
  const limited = card('622202000000005', { perTxnLimit: 5_000, dailyLimit: 8_000 });
  const ruled = card('622202000000006', { pinRule: 'pan-last-4' });
  const unknown = card('622202000000099');
  let issuer: IssuerHandle;
  let client: IssuerClient;
  let j: ReturnType<typeof tempJournal>;

  beforeEach(async () => {
    j = tempJournal();
    issuer = await startIssuer({ journalPath: j.file, accounts: [plain, withPin, blocked, expired, limited, ruled] });
    client = await IssuerClient.connect(issuer.port);
  });
  afterEach(async () => {
    client.close();
    await issuer.close();
    j.cleanup();
  });

  it('approves a sale: 00, a 6-digit auth code, 37 echoed, the balance debited and a debit in the ledger', async () => {
    const r = await client.request(sale(plain, { stan: '000001', amount: 2_500, rrn: '123456789012' }));
    assert.equal(r.mti, '0210');
    assert.equal(r.fields[39], '00');
    assert.match(String(r.fields[38]), /^\d{6}$/);
    assert.equal(r.fields[37], '123456789012');
    assert.equal(r.fields[4], '000000002500');
    assert.equal(issuer.balance(plain.pan), 97_500);
    const [e] = issuer.ledger();
    assert.equal(e.type, 'debit');
    assert.equal(e.seq, 1);
    assert.equal(e.amount, 2_500);
    assert.equal(e.rrn, '123456789012');
    assert.equal(e.authCode, r.fields[38]);
    assert.equal(e.terminalId, TID);
    assert.equal(e.transmissionDateTime, '1121100000');
    assert.equal(e.panMasked, '622202******0012'.slice(0, 12) + plain.pan.slice(-4));
    assert.ok(!JSON.stringify(e).includes(plain.pan), 'the ledger never holds the PAN');
  });

  it('declines with the real codes and moves no money: 14, 05, 54, 61, 51', async () => {
    const cases: [AccountSpec, number, string, string?][] = [
      [unknown, 100, '14'],
      [blocked, 100, '05'],
      [expired, 100, '54'],
      [limited, 6_000, '61'],
      [plain, 100_001, '51'],
    ];
    let stan = 10;
    for (const [c, amount, code] of cases) {
      const r = await client.request(sale(c, { stan: String(stan++).padStart(6, '0'), amount }));
      assert.equal(r.fields[39], code, `card ending ${c.pan.slice(-4)}`);
      assert.equal(r.fields[38], undefined);
    }
    const mismatch = await client.request(sale(plain, { stan: '000020', amount: 100, expiry: '2911' }));
    assert.equal(mismatch.fields[39], '54', 'field 14 not matching the card');
    assert.equal(issuer.balance(plain.pan), 100_000);
    assert.equal(issuer.balance(limited.pan), 100_000);
    const ledger = issuer.ledger();
    assert.equal(ledger.length, 6);
    assert.ok(ledger.every((e) => e.type === 'decline'));
    assert.deepEqual(ledger.map((e) => e.responseCode), ['14', '05', '54', '61', '51', '54']);
  });

  it('applies the daily limit across sales', async () => {
    assert.equal((await client.request(sale(limited, { stan: '000001', amount: 5_000 }))).fields[39], '00');
    assert.equal((await client.request(sale(limited, { stan: '000002', amount: 3_001 }))).fields[39], '61');
    assert.equal((await client.request(sale(limited, { stan: '000003', amount: 3_000 }))).fields[39], '00');
    assert.equal(issuer.balance(limited.pan), 92_000);
  });

  it('checks the PIN: 00 when right, 55 when wrong, 75 on the third wrong try and after, reset by a right one', async () => {
    assert.equal((await client.request(sale(withPin, { stan: '000001', amount: 100, pin: '123456' }))).fields[39], '00');
    assert.equal((await client.request(sale(withPin, { stan: '000002', amount: 100, pin: '111111' }))).fields[39], '55');
    assert.equal((await client.request(sale(withPin, { stan: '000003', amount: 100, pin: '123456' }))).fields[39], '00', 'a right PIN resets the count');
    assert.equal((await client.request(sale(withPin, { stan: '000004', amount: 100, pin: '111111' }))).fields[39], '55');
    assert.equal((await client.request(sale(withPin, { stan: '000005', amount: 100, pin: '222222' }))).fields[39], '55');
    assert.equal((await client.request(sale(withPin, { stan: '000006', amount: 100, pin: '333333' }))).fields[39], '75');
    assert.equal((await client.request(sale(withPin, { stan: '000007', amount: 100, pin: '123456' }))).fields[39], '75', 'locked');
    assert.equal(issuer.balance(withPin.pan), 100_000 - 200);
    assert.equal((await client.request(sale(ruled, { stan: '000008', amount: 100, pin: ruled.pan.slice(-4) }))).fields[39], '00', 'PIN rule');
  });

  it('answers 55 without counting a try when the block is not under the link ZPK', async () => {
    const otherKey = Buffer.from('11111111111111112222222222222222', 'hex');
    for (let i = 1; i <= 4; i++) {
      const r = await client.request(sale(withPin, { stan: String(i).padStart(6, '0'), amount: 100, pin: '123456', zpk: otherKey }));
      assert.equal(r.fields[39], '55');
    }
    assert.equal((await client.request(sale(withPin, { stan: '000009', amount: 100, pin: '123456' }))).fields[39], '00');
  });

  it('answers a balance inquiry with field 54 and moves no money', async () => {
    await client.request(sale(plain, { stan: '000001', amount: 1_234 }));
    const r = await client.request(inquiry(plain, { stan: '000002' }));
    assert.equal(r.fields[39], '00');
    assert.equal(r.fields[54], '1001156C' + String(98_766).padStart(12, '0'));
    assert.equal(issuer.ledger()[1].type, 'inquiry');
    assert.equal(issuer.balance(plain.pan), 98_766);
    assert.equal((await client.request(inquiry(withPin, { stan: '000003', pin: '000000' }))).fields[39], '55');
  });

  it('answers 12 to an unsupported processing code and 13 to a zero amount', async () => {
    assert.equal((await client.request(sale(plain, { stan: '000001', amount: 100, processingCode: '010000' }))).fields[39], '12');
    assert.equal((await client.request(sale(plain, { stan: '000002', amount: 0 }))).fields[39], '13');
    assert.equal(issuer.balance(plain.pan), 100_000);
  });

  it('serves concurrent connections and answers each on its own', async () => {
    const others = await Promise.all([1, 2, 3].map(() => IssuerClient.connect(issuer.port)));
    try {
      const rs = await Promise.all(others.map((c, i) => c.request(sale(plain, { stan: String(100 + i).padStart(6, '0'), amount: 1_000, tid: `T000000${i + 2}` }))));
      assert.deepEqual(rs.map((r) => r.fields[39]), ['00', '00', '00']);
      assert.equal(issuer.balance(plain.pan), 97_000);
    } finally {
      for (const c of others) c.close();
    }
  });
});
