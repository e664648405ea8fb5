// The switch's small parts on their own: batch record, SAF journal, RRNs, response MTIs, config checks, salvage.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getDialect, MessageCodec, type IsoMessage } from '../../harness/iso8583';
import { createLogger } from '../../harness/log';
import { Prng } from '../../harness/security';
import { BatchRecord, type BatchEntry } from '../../harness/switch/batch-record';
import { resolveConfig } from '../../harness/switch/config';
import { responseMti, isRequestMti } from '../../harness/switch/responses';
import { RrnGenerator } from '../../harness/switch/rrn';
import { SafStore } from '../../harness/switch/saf-store';
import { salvager } from '../../harness/switch/salvage';
import { macInputFor } from '../../harness/switch/mac-input';
import { terminalRange } from '../../harness/switch';
import { parseTotals } from '../../harness/switch/participants/settlement';
import type { ReversalRecord } from '../../harness/reconcile/records';

function entry(kind: BatchEntry['kind'], stan: string, amount: number, extra: Partial<BatchEntry> = {}): BatchEntry {
  return { kind, mti: kind === 'refund' ? '0220' : '0200', stan, amount, transmissionDateTime: '1121130000', rrn: 'R' + stan, date: '1121', voided: false, reversed: false, ...extra };
}

describe('switch parts', () => {
  it('batch totals count approved sales not voided or reversed, and approved refunds', () => {
    const b = new BatchRecord();
    const sale1 = entry('sale', '000001', 100);
    const sale2 = entry('sale', '000002', 200);
    const sale3 = entry('sale', '000003', 400);
    const declined = entry('sale', '000004', 800);
    const voidOf2 = entry('void', '000005', 200, { originalStan: '000002' });
    const refund = entry('refund', '000006', 50);
    for (const e of [sale1, sale2, sale3, declined, voidOf2, refund]) b.add(e);
    b.settle(sale1, '00', 'A1');
    b.settle(sale2, '00', 'A2');
    b.settle(sale3, '00', 'A3');
    b.settle(declined, '51', undefined);
    b.settle(voidOf2, '00', 'A5');
    b.settle(refund, '00', 'A6');
    b.markReversed(sale3);
    assert.deepEqual(b.totals(), { debitAmount: 100, debitCount: 1, creditAmount: 50, creditCount: 1 });
    b.markReversed(voidOf2); // reversing the void restores the sale
    assert.deepEqual(b.totals(), { debitAmount: 300, debitCount: 2, creditAmount: 50, creditCount: 1 });
  });

  it('parses settlement totals and rejects malformed field 48', () => {
    assert.deepEqual(parseTotals('000000012345002000000000050001' + '0'.repeat(32)), { debitAmount: 12345, debitCount: 2, creditAmount: 50, creditCount: 1 });
    assert.equal(parseTotals('12345'), undefined);
    assert.equal(parseTotals('00000001234500200000000005000x0'), undefined);
  });

  describe('SAF journal', () => {
    let dir: string;
    beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'saf-')); });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    const subject = { pan: '6222021234567890', processingCode: '000000', amount: '000000000100', stan: '000001', terminalId: '10000001', merchantId: '898100054110001', currency: '156', originalMti: '0200', originalRrn: 'RRN000000001', originalTransmissionDateTime: '1121130000', reason: '98' };
    const record = (): ReversalRecord => ({ initiator: 'switch', reason: '98', initiatedAt: 1, tries: 0, status: 'pending', terminalId: '10000001', merchantId: '898100054110001', stan: '000001', amount: 100, cardRef: 'x' });

    it('refuses a journal damaged before its last line, and leaves the file as it was', () => {
      const file = path.join(dir, 'saf.jsonl');
      const log = createLogger('test');
      const a = new SafStore(file, log);
      a.add(subject, record());
      a.add({ ...subject, stan: '000002' }, { ...record(), stan: '000002' });
      a.close();
      const lines = fs.readFileSync(file, 'utf8').split('\n');
      lines[0] = lines[0].slice(0, 10) + '#' + lines[0].slice(11);
      fs.writeFileSync(file, lines.join('\n'));
      const damaged = fs.readFileSync(file, 'utf8');
      assert.throws(() => new SafStore(file, log), /line 1 is unreadable and not the last one/);
      assert.equal(fs.readFileSync(file, 'utf8'), damaged, 'nothing compacted away');
    });

    it('replays adds and updates after a reopen, skipping a torn last line', () => {
      const file = path.join(dir, 'q', 'saf.jsonl');
      const log = createLogger('test');
      const a = new SafStore(file, log);
      const one = a.add(subject, record());
      const two = a.add({ ...subject, stan: '000002' }, { ...record(), stan: '000002' });
      a.update(one.id, { tries: 2 });
      a.update(two.id, { status: 'acknowledged', ackCode: '00' });
      a.close();
      fs.appendFileSync(file, '{"op":"upd'); // a write torn by a crash
      const b = new SafStore(file, log);
      const items = b.all();
      assert.equal(items.length, 1, 'the acknowledged item left the queue at compaction');
      assert.equal(items[0].record.tries, 2);
      assert.equal(items[0].record.status, 'pending');
      assert.deepEqual(b.settledRecords().map((r) => [r.stan, r.status, r.ackCode]), [['000002', 'acknowledged', '00']], 'its record stays for the reconciler');
      const three = b.add(subject, record());
      assert.equal(three.id, 3, 'ids continue after a restart');
      b.close();
      const text = fs.readFileSync(file, 'utf8');
      assert.ok(text.split('\n').every((l) => l === '' || JSON.parse(l)), 'compacted journal has only whole lines');
      assert.equal(text.split('\n').filter((l) => l.includes('"stan":"000002"')).length, 1);
      assert.match(text, /"op":"settled","record":\{[^\n]*"stan":"000002"/);
      assert.doesNotMatch(text, /"op":"add","item":\{[^\n]*"stan":"000002"/, 'no queued copy (with its PAN) of the acknowledged reversal');
      const c = new SafStore(file, log);
      assert.deepEqual(c.all().map((i) => i.id), [1, 3]);
      assert.equal(c.settledRecords().length, 1, 'settled records survive the next compaction too');
      c.close();
    });
  });

  it('gives 12-character RRNs, unique within a run, the same for the same seed', () => {
    const at = new Date(Date.UTC(2026, 10, 21, 13, 0, 0));
    const a = new RrnGenerator(new Prng(5), at);
    const b = new RrnGenerator(new Prng(5), at);
    const seen = new Set<string>();
    for (let i = 0; i < 5000; i++) {
      const r = a.next();
      assert.equal(r.length, 12);
      assert.equal(r, b.next());
      seen.add(r);
    }
    assert.equal(seen.size, 5000);
    assert.match([...seen][0], /^632513\d{6}$/);
  });

  it('continues RRNs past what a previous run on the same SAF file reserved', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rrn-'));
    try {
      const file = path.join(dir, 'saf.jsonl');
      const at = new Date(Date.UTC(2026, 10, 21, 13, 0, 0));
      const first = new SafStore(file, createLogger('test'));
      const a = new RrnGenerator(new Prng(5), at, first);
      const used = new Set(Array.from({ length: 25_000 }, () => a.next()));
      first.close(); // as a crash would leave it: the reservation is on disk
      const second = new SafStore(file, createLogger('test'));
      const b = new RrnGenerator(new Prng(5), at, second);
      for (let i = 0; i < 1000; i++) assert.ok(!used.has(b.next()), 'no RRN of the first run again');
      second.close();
      assert.ok(fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('"op":"rrn"')).length <= 2, 'reserved in blocks');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('maps request MTIs to response MTIs', () => {
    assert.equal(responseMti('0200'), '0210');
    assert.equal(responseMti('0421'), '0430');
    assert.equal(responseMti('0800'), '0810');
    assert.ok(isRequestMti('0320'));
    assert.ok(!isRequestMti('0210'));
  });

  it('rejects bad configuration with the setting named', () => {
    const terminals = terminalRange({ seed: 's', firstId: 10000001, count: 1, merchantId: () => 'm' });
    const base = { issuer: { host: '127.0.0.1', port: 1, timeoutMs: 100 }, terminals, safPath: '/tmp/x' };
    assert.throws(() => resolveConfig({ ...base, issuer: { ...base.issuer, port: 0 } }), /issuer\.port/);
    assert.throws(() => resolveConfig({ ...base, safeguards: { bogus: true } as never }), /unknown safeguard "bogus"/);
    assert.throws(() => resolveConfig({ ...base, maxLines: 0 }), /maxLines/);
    assert.throws(() => resolveConfig({ ...base, safPath: '' }), /safPath/);
    const ok = resolveConfig({ ...base, safeguards: { storeAndForward: false } });
    assert.deepEqual(ok.safeguards, { duplicateDetection: true, macVerification: true, storeAndForward: false, issuerTimeout: true });
  });

  it('terminal ranges answer only their own ids and derive TMKs on demand', () => {
    const dir = terminalRange({ seed: 's', firstId: 10000001, count: 3, merchantId: (t) => 'M' + t });
    assert.equal(dir.lookup('10000000'), undefined);
    assert.equal(dir.lookup('10000004'), undefined);
    assert.equal(dir.lookup('1000001'), undefined);
    const e = dir.lookup('10000003');
    assert.equal(e?.merchantId, 'M10000003');
    assert.equal(e?.tmk.length, 16);
  });

  it('finds the MAB without a second decode exactly where the codec does', () => {
    for (const name of ['cup-pos', 'iso87-ascii']) {
      const dialect = getDialect(name);
      const codec = new MessageCodec(dialect);
      const fields: IsoMessage['fields'] = name === 'cup-pos'
        ? { 2: '6222021234567890', 3: '000000', 11: '000123', 41: '10000001', 42: '898100054110001', 60: '22000001000' }
        : { 2: '6222021234567890', 3: '000000', 11: '000123', 41: '10000001', 42: '898100054110001', 90: '0'.repeat(42) };
      const body = codec.packWithMac({ mti: '0200', fields }, () => Buffer.alloc(8, 7));
      assert.deepEqual(macInputFor(dialect, codec)(body), codec.macInput(body), name);
    }
  });

  it('salvages MTI, 11 and 41 from a body whose later field is bad', () => {
    const dialect = getDialect('cup-pos');
    const codec = new MessageCodec(dialect);
    const body = codec.pack({ mti: '0200', fields: { 3: '000000', 11: '000123', 41: '10000001', 42: '898100054110001', 60: '22000001000' } });
    const broken = body.subarray(0, body.length - 3); // field 60 cut short
    assert.throws(() => codec.unpack(broken));
    const partial = salvager(dialect)(broken);
    assert.equal(partial?.mti, '0200');
    assert.equal(partial?.fields[11], '000123');
    assert.equal(partial?.fields[41], '10000001');
    assert.equal(partial?.fields[60], undefined);
    assert.equal(salvager(dialect)(Buffer.from([0xff])), undefined);
  });
});
