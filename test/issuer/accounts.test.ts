import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { generateAccounts, isLuhnValid, loadAccountsFile, luhnCheckDigit, startIssuer, validateAccounts } from '../../harness/issuer';
import { drawLatency } from '../../harness/issuer/latency';
import { Prng } from '../../harness/security/prng';
import { tempJournal } from './helpers';

describe('issuer: accounts', () => {
  it('computes Luhn check digits (known PANs)', () => {
    assert.equal(luhnCheckDigit('411111111111111'), '1');
    assert.equal(luhnCheckDigit('7992739871'), '3');
    assert.ok(isLuhnValid('4111111111111111'));
    assert.ok(!isLuhnValid('4111111111111112'));
    assert.ok(isLuhnValid('79927398713'));
  });

  it('generates the same Luhn-valid 16/19-digit 62xxxx cards for the same seed, others for another', () => {
    const a = generateAccounts('seed-1', 200);
    const b = generateAccounts('seed-1', 200);
    const c = generateAccounts('seed-2', 200);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    assert.equal(new Set(a.map((x) => x.pan)).size, 200);
    for (const x of a) {
      assert.match(x.pan, /^62\d{14}(\d{3})?$/);
      assert.ok(isLuhnValid(x.pan), x.pan);
      assert.match(x.expiry, /^\d{4}$/);
      assert.ok(x.balance >= 100_000 && x.balance <= 10_000_000);
    }
    assert.ok(a.some((x) => x.pan.length === 19) && a.some((x) => x.pan.length === 16));
    const withPin = a.filter((x) => x.pin !== undefined).length;
    assert.ok(withPin > 60 && withPin < 140, `${withPin} of 200 with a PIN`);
    assert.deepEqual(validateAccounts(a), a, 'generated accounts pass validation');
  });

  it('honours the options', () => {
    const xs = generateAccounts(7, 50, { balanceMin: 5, balanceMax: 5, pinShare: 1, longPanShare: 0, dailyLimit: 9, perTxnLimit: 3, blockedShare: 0.5, expiredShare: 0.5 });
    assert.ok(xs.every((x) => x.balance === 5 && x.pin !== undefined && x.pan.length === 16 && x.dailyLimit === 9 && x.perTxnLimit === 3));
    assert.ok(xs.every((x) => x.status === 'blocked' || x.status === 'expired'));
    assert.throws(() => generateAccounts(1, -1), /count/);
    assert.throws(() => generateAccounts(1, 1, { pinShare: 2 }), /pinShare/);
    assert.throws(() => generateAccounts(1, 1, { balanceMin: 10, balanceMax: 1 }), /balance range/);
  });

  it('rejects bad account files with every reason, PANs masked', () => {
    const j = tempJournal();
    try {
      const file = path.join(j.dir, 'accounts.json');
      const good = generateAccounts('file', 2);
      fs.writeFileSync(file, JSON.stringify({ accounts: good }));
      assert.deepEqual(loadAccountsFile(file), good);
      const bad = [{ ...good[0], pan: good[0].pan.slice(0, -1) + String((Number(good[0].pan.slice(-1)) + 1) % 10) }, { ...good[1], expiry: '2613', balance: -1 }];
      fs.writeFileSync(file, JSON.stringify(bad));
      assert.throws(() => loadAccountsFile(file), (e: Error) => /Luhn/.test(e.message) && /expiry/.test(e.message) && /balance/.test(e.message));
      fs.writeFileSync(file, JSON.stringify([good[0], good[0]]));
      assert.throws(() => loadAccountsFile(file), (e: Error) => /appears twice/.test(e.message) && !e.message.includes(good[0].pan));
      fs.writeFileSync(file, '{oops');
      assert.throws(() => loadAccountsFile(file), /accounts file .*JSON/);
    } finally {
      j.cleanup();
    }
  });

  it('startIssuer refuses bad config with a clear error and leaves nothing running', async () => {
    const j = tempJournal();
    try {
      await assert.rejects(startIssuer({ journalPath: j.file, accounts: [{ pan: '123', expiry: '3012', balance: 1 }] }), /PAN must be/);
      await assert.rejects(startIssuer({ journalPath: j.file, accounts: [], zpk: Buffer.alloc(5) }), /zpk/);
      await assert.rejects(startIssuer({ journalPath: j.file, accounts: [], port: 70000 }), /port/);
      await assert.rejects(startIssuer({ journalPath: j.file, accounts: [], faults: [{ atMs: 0, kind: 'nap' } as never] }), /faults/);
      await assert.rejects(startIssuer({ journalPath: j.file, accounts: [], dialect: 'no-such' }), /dialect|built-in/);
    } finally {
      j.cleanup();
    }
  });
});

describe('issuer: latency draws', () => {
  it('follow their distributions, deterministically, never negative', () => {
    const n = 4_000;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const draw = (spec: Parameters<typeof drawLatency>[0], seed = 's') => {
      const p = new Prng(seed);
      return Array.from({ length: n }, () => drawLatency(spec, p));
    };
    assert.deepEqual(draw({ kind: 'fixed', ms: 7 }).slice(0, 3), [7, 7, 7]);
    const u = draw({ kind: 'uniform', minMs: 10, maxMs: 20 });
    assert.ok(u.every((x) => x >= 10 && x < 20));
    assert.ok(Math.abs(mean(u) - 15) < 0.5);
    const g = draw({ kind: 'normal', meanMs: 100, stdDevMs: 10 });
    assert.ok(Math.abs(mean(g) - 100) < 1);
    const sd = Math.sqrt(mean(g.map((x) => (x - 100) ** 2)));
    assert.ok(Math.abs(sd - 10) < 1, `sd ${sd}`);
    assert.ok(draw({ kind: 'normal', meanMs: 1, stdDevMs: 50 }).every((x) => x >= 0));
    const l = draw({ kind: 'lognormal', medianMs: 50, sigma: 0.5 }).sort((a, b) => a - b);
    assert.ok(Math.abs(l[n / 2] - 50) < 3, `median ${l[n / 2]}`);
    assert.deepEqual(draw({ kind: 'normal', meanMs: 5, stdDevMs: 1 }, 'x'), draw({ kind: 'normal', meanMs: 5, stdDevMs: 1 }, 'x'));
  });

  it('property: Luhn digits make valid PANs', () => {
    fc.assert(fc.property(fc.stringMatching(/^\d{11,18}$/), (body) => isLuhnValid(body + luhnCheckDigit(body))));
  });
});
