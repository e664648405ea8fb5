import { strict as assert } from 'node:assert';
import { generateAccounts, movesMoney, startIssuer, type IssuerHandle } from '../../harness/issuer';
import { IssuerClient, reversal, sale, tempJournal, voidOf } from './helpers';

describe('issuer: its own duplicate check', () => {
  const [card] = generateAccounts('dups', 1, { pinShare: 0, balanceMin: 50_000, balanceMax: 50_000 });
  let issuer: IssuerHandle | undefined;
  let client: IssuerClient | undefined;
  let j: ReturnType<typeof tempJournal>;

  async function start(config: { duplicateCheck?: boolean; duplicateResponse?: 'original' | '94' }): Promise<IssuerClient> {
    issuer = await startIssuer({ journalPath: j.file, accounts: [card], ...config });
    client = await IssuerClient.connect(issuer.port);
    return client;
  }
  beforeEach(() => {
    j = tempJournal();
  });
  afterEach(async () => {
    client?.close();
    await issuer?.close();
    j.cleanup();
  });

  it('on (default): a repeat gets the first response, auth code included, and debits nothing', async () => {
    const c = await start({});
    const first = await c.request(sale(card, { stan: '000001', amount: 1_000 }));
    const repeat = await c.request(sale(card, { stan: '000001', amount: 1_000, f7: '1121100030', rrn: '999999999999' }));
    assert.equal(repeat.fields[39], '00');
    assert.equal(repeat.fields[38], first.fields[38]);
    assert.equal(issuer!.balance(card.pan), 49_000);
    const [, e] = issuer!.ledger();
    assert.equal(e.duplicateOf, 1);
    assert.equal(movesMoney(e), false);
    // A declined first is repeated as declined too.
    assert.equal((await c.request(sale(card, { stan: '000002', amount: 90_000 }))).fields[39], '51');
    assert.equal((await c.request(sale(card, { stan: '000002', amount: 90_000 }))).fields[39], '51');
  });

  it('on with 94: a repeat is answered 94', async () => {
    const c = await start({ duplicateResponse: '94' });
    await c.request(sale(card, { stan: '000001', amount: 1_000 }));
    assert.equal((await c.request(sale(card, { stan: '000001', amount: 1_000 }))).fields[39], '94');
    assert.equal(issuer!.balance(card.pan), 49_000);
  });

  it('treats another date, amount, STAN or acquirer as a new request', async () => {
    const c = await start({});
    await c.request(sale(card, { stan: '000001', amount: 1_000, f7: '1121100000' }));
    assert.equal((await c.request(sale(card, { stan: '000001', amount: 1_000, f7: '1122100000' }))).fields[39], '00', 'next day');
    assert.equal((await c.request(sale(card, { stan: '000001', amount: 1_001 }))).fields[39], '00');
    const otherAcquirer = sale(card, { stan: '000001', amount: 1_000 });
    otherAcquirer.fields[32] = '54321';
    assert.equal((await c.request(otherAcquirer)).fields[39], '00');
    assert.equal(issuer!.balance(card.pan), 50_000 - 4_001);
  });

  it('off: a repeat is applied again as a new debit (the duplicate only the switch could have stopped)', async () => {
    const c = await start({ duplicateCheck: false });
    const first = await c.request(sale(card, { stan: '000001', amount: 1_000 }));
    const second = await c.request(sale(card, { stan: '000001', amount: 1_000 }));
    assert.equal(first.fields[39], '00');
    assert.equal(second.fields[39], '00');
    assert.notEqual(second.fields[38], first.fields[38]);
    assert.equal(issuer!.balance(card.pan), 48_000);
    const debits = issuer!.ledger().filter((e) => e.type === 'debit');
    assert.equal(debits.length, 2);
    assert.ok(debits.every((e) => e.duplicateOf === undefined));
    // One reversal of that identity cancels both copies, and a repeat of it cancels nothing more.
    assert.equal((await c.request(reversal(card, { stan: '000001', amount: 1_000 }))).fields[39], '00');
    assert.equal(issuer!.balance(card.pan), 50_000);
    assert.equal((await c.request(reversal(card, { mti: '0401', stan: '000001', amount: 1_000 }))).fields[39], '00');
    assert.equal(issuer!.balance(card.pan), 50_000);
    const reversals = issuer!.ledger().filter((e) => e.type === 'reversal');
    assert.deepEqual(reversals.map((e) => e.originalSeq), [1, 2, undefined]);
  });

  it('off: a repeated void credits once', async () => {
    const c = await start({ duplicateCheck: false });
    await c.request(sale(card, { stan: '000001', amount: 2_000 }));
    assert.equal((await c.request(voidOf(card, { stan: '000002', originalStan: '000001', amount: 2_000 }))).fields[39], '00');
    assert.equal((await c.request(voidOf(card, { stan: '000002', originalStan: '000001', amount: 2_000 }))).fields[39], '00');
    assert.equal(issuer!.balance(card.pan), 50_000);
    const voids = issuer!.ledger().filter((e) => e.type === 'void');
    assert.equal(voids.filter(movesMoney).length, 1);
  });
});
