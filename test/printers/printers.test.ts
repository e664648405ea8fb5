import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatAmount, formatReceipt, JournalSink, ReceiptJournal, VirtualPrinter, type Receipt } from '../../harness/printers';

const receipt = (over: Partial<Receipt> = {}): Receipt => ({
  kind: 'sale', reprint: false, merchantName: 'TEST SHOP', merchantId: '898100054110001', terminalId: '20000001',
  terminalIndex: 0, panMasked: '622202******0123', cardRef: 'abc', amount: 123456, stan: '000042', batch: '000003',
  rrn: '123456789012', authCode: 'A1B2C3', at: Date.UTC(2026, 10, 21, 13, 5, 9), intentId: 'i', ...over,
});

describe('printers: receipt text', () => {
  it('carries merchant, terminal, masked card, amount, voucher number, batch, RRN, auth code, date and time', () => {
    const text = formatReceipt(receipt());
    for (const s of ['TEST SHOP', '898100054110001', '20000001', '622202******0123', 'RMB 1234.56', '000042', '000003', '123456789012', 'A1B2C3', '2026/11/21 13:05:09', '消费 SALE']) {
      assert.ok(text.includes(s), `missing ${s}`);
    }
    assert.doesNotMatch(text, /REPRINT/);
    assert.match(formatReceipt(receipt({ reprint: true })), /重打印 REPRINT/);
    assert.match(formatReceipt(receipt({ kind: 'void', originalStan: '000041' })), /VOID[\s\S]*ORIG VOUCHER: 000041[\s\S]*RMB -1234\.56/);
    assert.equal(formatAmount(5), '0.05');
  });
});

describe('printers: sinks', () => {
  it('the virtual printer runs out of paper after N receipts, and prints again with a new roll', async () => {
    const p = new VirtualPrinter({ paper: 2 });
    assert.deepEqual([await p.print(receipt()), await p.print(receipt()), await p.print(receipt())], ['printed', 'printed', 'not-printed']);
    assert.deepEqual(p.status(), { ready: false, paper: 'out', cover: 'closed', online: true });
    p.loadPaper(1);
    assert.equal(await p.print(receipt()), 'printed');
    assert.deepEqual(p.counts(), { printed: 3, refused: 1 });
    assert.equal(p.printedTexts().length, 3);
  });

  it('cover open and offline refuse; offline mid-job is unknown; slow takes its time', async () => {
    const p = new VirtualPrinter({ coverOpen: true });
    assert.equal(await p.print(receipt()), 'not-printed');
    p.setCoverOpen(false);
    p.setOffline('before');
    assert.equal(await p.print(receipt()), 'not-printed');
    p.setOffline('during');
    assert.equal(await p.print(receipt()), 'unknown');
    p.setOffline(false);
    p.setSlow(40);
    const t0 = Date.now();
    assert.equal(await p.print(receipt()), 'printed');
    assert.ok(Date.now() - t0 >= 35);
    assert.throws(() => p.setOffline('sometimes' as never), /offline must be/);
    assert.throws(() => new VirtualPrinter({ paper: -1 }), /paper must be a non-negative number/);
  });

  it('the journal sink records every receipt as the reconciler reads it, in memory and as JSON lines', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'receipts-'));
    try {
      const file = path.join(dir, 'r.jsonl');
      const sink = new JournalSink({ path: file });
      assert.equal(await sink.print(receipt()), 'printed');
      assert.equal(await sink.print(receipt({ reprint: true })), 'printed');
      await sink.close();
      const lines = fs.readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(lines, sink.journal.records());
      assert.deepEqual(Object.keys(lines[0]).sort(), ['amount', 'at', 'authCode', 'batch', 'cardRef', 'intentId', 'kind', 'merchantId', 'panMasked', 'printed', 'reprint', 'rrn', 'stan', 'terminalId', 'terminalIndex'].sort());
      assert.equal(lines[1].reprint, true);
      assert.ok(!JSON.stringify(lines).includes('6222021234560123'));
      assert.throws(() => new ReceiptJournal(''), /non-empty string/);
      const lean = new JournalSink({ path: file, keep: false });
      assert.equal(await lean.print(receipt({ stan: '000043' })), 'printed');
      await lean.close();
      assert.deepEqual([lean.journal.size, lean.journal.records()], [0, []], 'keep: false holds no list in memory');
      assert.equal(JSON.parse(fs.readFileSync(file, 'utf8').trim().split('\n')[2]).stan, '000043', 'but the file still gets every line');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
