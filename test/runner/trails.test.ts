// Message trails from a hand-built recording: each finding's trail holds only its own attempt's messages.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { getDialect, MessageCodec } from '../../harness/iso8583';
import { attemptWindow } from '../../harness/runner/finding-trails';
import { TrailRecorder } from '../../harness/runner/trails';
import { cupSale } from '../iso8583/samples';
import { attempt } from '../reconcile/build';

describe('message trails: one attempt each, read back from the recording', () => {
  let dir: string;
  before(() => (dir = mkdtempSync(path.join(tmpdir(), 'posfault-trails-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const codec = new MessageCodec(getDialect('cup-pos'));
  const msg = (mti: string, tid: string, stan: string, amount: string) => {
    const m = cupSale();
    m.mti = mti;
    m.fields[41] = tid;
    m.fields[11] = stan;
    m.fields[4] = amount;
    return codec.pack(m);
  };

  it('two transactions with one terminal id and STAN at different times (a STAN reset, a clone) do not mix', () => {
    const rec = new TrailRecorder(path.join(dir, 'a.bin'));
    const tid = '10000001';
    // Terminal 0, STAN 000001 at t=1000 (times out, reversed); the STAN reset; terminal 0 again STAN 000001 at
    // t=5000; and terminal 1, a clone with the same id, STAN 000001 at t=1200.
    rec.record('sent', 0, msg('0200', tid, '000001', '000000000100'), 1000);
    rec.record('sent', 1, msg('0200', tid, '000001', '000000000900'), 1200);
    rec.record('sent', 0, msg('0400', tid, '000001', '000000000100'), 2100);
    rec.record('received', 0, msg('0410', tid, '000001', '000000000100'), 2150);
    rec.record('sent', 0, msg('0200', tid, '000002', '000000000300'), 3000);
    rec.record('sent', 0, msg('0200', tid, '000001', '000000000500'), 5000);
    rec.record('received', 0, msg('0210', tid, '000001', '000000000500'), 5100);

    const first = attempt({ intentId: 'i1', stan: '000001', sentAt: 1000, finishedAt: 2000, result: 'no-response', amount: 100, reversal: { initiator: 'terminal', reason: '98', initiatedAt: 2000, tries: 1, status: 'acknowledged', acknowledgedAt: 2150, terminalId: tid, merchantId: 'm', stan: '000001', amount: 100, cardRef: 'c' } });
    const clone = attempt({ intentId: 'i2', terminalIndex: 1, stan: '000001', sentAt: 1200, finishedAt: 1300, result: 'no-response', amount: 900 });
    const later = attempt({ intentId: 'i3', stan: '000001', sentAt: 5000, result: 'in-flight', amount: 500 });
    const all = [first, clone, later];
    const [a, b, c] = rec.trails([attemptWindow(first, all), attemptWindow(clone, all), attemptWindow(later, all)]);
    assert.deepEqual(a.map((m) => [m.mti, m.fields['4'], m.at]), [['0200', '000000000100', 1000], ['0400', '000000000100', 2100], ['0410', '000000000100', 2150]]);
    assert.deepEqual(b.map((m) => [m.mti, m.terminalIndex, m.fields['4']]), [['0200', 1, '000000000900']]);
    assert.deepEqual(c.map((m) => [m.mti, m.direction]), [['0200', 'sent'], ['0210', 'received']]);
    assert.match(a[0].fields['2'], /^622202\*+0123$/);
    assert.equal(a[0].fields['52'], '[redacted]');
  });

  it('never writes clear card data, PIN blocks or keys to the recording; a garbled body is counted, not kept', () => {
    const file = path.join(dir, 'private.bin');
    const rec = new TrailRecorder(file);
    const m = cupSale();
    const pan = String(m.fields[2]);
    m.fields[52] = Buffer.from('A1B2C3D4E5F60718', 'hex');
    m.fields[62] = Buffer.from('5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A', 'hex');
    rec.record('sent', 0, codec.pack(m), 1);
    rec.record('received', 0, Buffer.from('0210ffffffff', 'hex'), 2);
    rec.close();
    const bytes = readFileSync(file);
    const text = bytes.toString('latin1');
    assert.equal(text.includes(pan), false, 'no clear PAN');
    assert.equal(bytes.includes(Buffer.from('A1B2C3D4E5F60718', 'hex')) || /A1B2C3D4E5F60718/i.test(text), false, 'no PIN block');
    assert.equal(/5A5A5A5A5A5A5A5A/i.test(text) || bytes.includes(Buffer.from('5A5A5A5A5A5A5A5A', 'hex')), false, 'no key material');
    assert.ok(text.includes(pan.slice(0, 6)), 'the masked PAN is there');
    assert.equal(rec.size, 1);
    assert.equal(rec.undecodableCount, 1);
  });

  it('keeps every message of a long run on disk: a failure after the first 200,000 messages still has its trail', () => {
    const rec = new TrailRecorder(path.join(dir, 'b.bin'));
    const filler = msg('0200', '10000009', '000009', '000000000100');
    for (let i = 0; i < 200_500; i++) rec.record('sent', 9, filler, i);
    rec.record('sent', 0, msg('0200', '10000001', '000777', '000000000100'), 300_000);
    const late = attempt({ intentId: 'i1', stan: '000777', sentAt: 300_000, finishedAt: 300_010, result: 'no-response' });
    const [t] = rec.trails([attemptWindow(late, [late])]);
    assert.equal(t.length, 1);
    assert.equal(rec.droppedCount, 0);
  });

  it('stops recording past its byte bound and counts what it dropped', () => {
    const rec = new TrailRecorder(path.join(dir, 'c.bin'), 1000);
    const m = msg('0200', '10000001', '000001', '000000000100');
    for (let i = 0; i < 50; i++) rec.record('sent', 0, m, i);
    assert.ok(rec.size > 0 && rec.size < 50);
    assert.equal(rec.size + rec.droppedCount, 50);
  });
});
