import { strict as assert } from 'node:assert';
import { getDialect, MessageCodec } from '../../harness/iso8583';
import type { IsoMessage } from '../../harness/iso8583/types';
import { VirtualPrinter } from '../../harness/printers';
import type { Fleet } from '../../harness/terminal';
import { startStack, until, type Stack } from './support/stack';

const codec = new MessageCodec(getDialect('cup-pos'));

describe('terminal fleet: receipts and printer faults under both policies', function () {
  this.timeout(20_000);
  let stack: Stack;
  let printer: VirtualPrinter;
  // Each fleet has a fresh store: give each its own terminal, so that no STAN repeats at the switch.
  let idx = -1;

  before(async () => {
    stack = await startStack({ terminals: 16 });
  });
  after(async () => {
    await stack.close();
  });

  async function fleetWith(policy: 'reverse' | 'reprint', p: VirtualPrinter, printMs = 2000): Promise<Fleet> {
    printer = p;
    idx++;
    return stack.fleet({ printers: { sink: () => printer, onNotPrinted: policy }, timeouts: { connectMs: 1000, responseMs: 1500, printMs } });
  }

  function sale(fleet: Fleet, id: string, amount = 100) {
    return fleet.submit({ intentId: id, ...stack.card(false), amount, terminalIndex: idx });
  }

  function netDebits(fleet: Fleet): number {
    const tid = fleet.terminalInfo(idx).terminalId;
    const mine = stack.issuer.ledger().filter((e) => e.terminalId === tid);
    return mine.filter((e) => e.type === 'debit').length - mine.filter((e) => e.type === 'reversal' && e.responseCode === '00').length;
  }

  it('reverse policy, paper runs out: the approved sale is reversed with 96 and counts nowhere', async () => {
    const fleet = await fleetWith('reverse', new VirtualPrinter({ paper: 1 }));
    const sent: IsoMessage[] = [];
    fleet.onMessage = (m) => {
      if (m.direction === 'out') sent.push(codec.unpack(m.body));
    };
    assert.equal((await sale(fleet, 'p1')).outcome, 'approved-with-receipt');
    const out = await sale(fleet, 'p2');
    const reversal = sent.find((m) => m.mti === '0400');
    assert.equal(reversal?.fields[38], fleet.attempts()[1].authCode, 'the 0400 names the approval it reverses (field 38)');
    assert.match(String(reversal?.fields[38]), /^\S{6}$/);
    assert.deepEqual([out.outcome, out.responseCode, out.failure], ['failed-reversed', '00', 'not-printed']);
    const a = fleet.attempts()[1];
    assert.deepEqual([a.result, a.reversal?.reason, a.reversal?.status], ['approved', '96', 'acknowledged']);
    assert.deepEqual(fleet.receipts().map((r) => r.printed), ['printed', 'not-printed']);
    assert.equal(fleet.terminalInfo(idx).journal[1].status, 'reversed');
    assert.equal(netDebits(fleet), 1);
  });

  it('reprint policy, paper runs out: approval kept; reprinted (marked REPRINT) once paper is back', async () => {
    const fleet = await fleetWith('reprint', new VirtualPrinter({ paper: 1 }));
    await sale(fleet, 'p1');
    const out = await sale(fleet, 'p2', 222);
    assert.deepEqual([out.outcome, out.failure], ['approved-without-receipt', 'not-printed']);
    assert.equal(fleet.stats().pendingReprints, 1);
    await fleet.drainReversals();
    assert.equal(fleet.stats().pendingReprints, 1, 'no reprint while the printer has no paper');
    printer.loadPaper();
    await fleet.drainReversals();
    assert.equal(fleet.stats().pendingReprints, 0);
    const recs = fleet.receipts();
    assert.deepEqual(recs.map((r) => [r.printed, r.reprint, r.amount]), [['printed', false, 100], ['not-printed', false, 222], ['printed', true, 222]]);
    const text = printer.printedTexts().at(-1)!;
    assert.match(text, /重打印 REPRINT/);
    assert.match(text, /RMB 2\.22/);
    assert.equal(netDebits(fleet), 2);
  });

  it('reprint policy: the pending reprint comes out before the next sale', async () => {
    const fleet = await fleetWith('reprint', new VirtualPrinter({ coverOpen: true }));
    assert.equal((await sale(fleet, 'c1')).outcome, 'approved-without-receipt');
    printer.setCoverOpen(false);
    assert.equal((await sale(fleet, 'c2')).outcome, 'approved-with-receipt');
    assert.deepEqual(fleet.receipts().map((r) => [r.intentId, r.printed, r.reprint]), [['c1', 'not-printed', false], ['c1', 'printed', true], ['c2', 'printed', false]]);
  });

  it('cover open under the reverse policy → 96', async () => {
    const fleet = await fleetWith('reverse', new VirtualPrinter({ coverOpen: true }));
    const out = await sale(fleet, 'c');
    assert.equal(out.outcome, 'failed-reversed');
    assert.equal(fleet.attempts()[0].reversal?.reason, '96');
    assert.equal(netDebits(fleet), 0);
  });

  it('offline before the job: not printed; offline during it: unknown, treated as not printed by both policies', async () => {
    let fleet = await fleetWith('reverse', new VirtualPrinter({ offline: 'before' }));
    assert.equal((await sale(fleet, 'o1')).outcome, 'failed-reversed');
    assert.equal(fleet.receipts()[0].printed, 'not-printed');
    fleet = await fleetWith('reverse', new VirtualPrinter({ offline: 'during' }));
    assert.equal((await sale(fleet, 'o2')).outcome, 'failed-reversed');
    assert.equal(fleet.receipts()[0].printed, 'unknown');
    fleet = await fleetWith('reprint', new VirtualPrinter({ offline: 'during' }));
    assert.equal((await sale(fleet, 'o3')).outcome, 'approved-without-receipt');
    printer.setOffline(false);
    await fleet.drainReversals();
    assert.deepEqual(fleet.receipts().map((r) => [r.printed, r.reprint]), [['unknown', false], ['printed', true]]);
  });

  it('a slow printer within the print timeout prints; past it the result is unknown', async () => {
    let fleet = await fleetWith('reverse', new VirtualPrinter({ slowMs: 50 }), 1000);
    assert.equal((await sale(fleet, 's1')).outcome, 'approved-with-receipt');
    fleet = await fleetWith('reverse', new VirtualPrinter({ slowMs: 400 }), 100);
    const out = await sale(fleet, 's2');
    assert.equal(out.outcome, 'failed-reversed');
    assert.equal(fleet.receipts()[0].printed, 'unknown');
    assert.equal(fleet.attempts()[0].reversal?.reason, '96');
    await until(() => printer.counts().printed === 1); // the voucher came out after all: that is what unknown means
  });

  it('offline before the job under the reprint policy: the approval is kept and reprinted once the printer is back', async () => {
    const fleet = await fleetWith('reprint', new VirtualPrinter({ offline: 'before' }));
    const out = await sale(fleet, 'ob', 321);
    assert.deepEqual([out.outcome, out.failure], ['approved-without-receipt', 'not-printed']);
    await fleet.drainReversals();
    assert.equal(fleet.stats().pendingReprints, 1, 'no reprint while the printer is offline');
    printer.setOffline(false);
    await fleet.drainReversals();
    assert.deepEqual(fleet.receipts().map((r) => [r.printed, r.reprint, r.amount]), [['not-printed', false, 321], ['printed', true, 321]]);
    assert.match(printer.printedTexts()[0], /重打印 REPRINT/);
    assert.equal(fleet.stats().pendingReversals, 0);
    assert.equal(netDebits(fleet), 1);
  });

  it('a slow printer past the print timeout under the reprint policy: unknown, the approval is kept, reprinted later', async () => {
    const fleet = await fleetWith('reprint', new VirtualPrinter({ slowMs: 300 }), 100);
    const out = await sale(fleet, 'sr');
    assert.deepEqual([out.outcome, out.failure], ['approved-without-receipt', 'not-printed']);
    assert.equal(fleet.attempts()[0].reversal, undefined);
    await until(() => printer.counts().printed === 1);
    printer.setSlow(0);
    await fleet.drainReversals();
    assert.deepEqual(fleet.receipts().map((r) => [r.printed, r.reprint]), [['unknown', false], ['printed', true]]);
    assert.equal(fleet.stats().pendingReprints, 0);
    assert.equal(netDebits(fleet), 1);
  });

  it('reprintLast prints the last receipt again, marked, with the same keys', async () => {
    const fleet = await fleetWith('reverse', new VirtualPrinter());
    await assert.rejects(fleet.reprintLast(idx), /no receipt to reprint/);
    await sale(fleet, 'r1', 4321);
    assert.equal(await fleet.reprintLast(idx), 'printed');
    const [orig, copy] = fleet.receipts();
    assert.equal(copy.reprint, true);
    for (const k of ['stan', 'rrn', 'authCode', 'amount', 'batch', 'terminalId', 'cardRef'] as const) assert.equal(copy[k], orig[k], k);
    const [t1, t2] = printer.printedTexts();
    assert.doesNotMatch(t1, /REPRINT/);
    assert.match(t2, /重打印 REPRINT/);
    const pan = stack.card(false).pan;
    assert.equal(orig.panMasked, pan.slice(0, 6) + '*'.repeat(pan.length - 10) + pan.slice(-4));
    for (const text of [t1, t2]) {
      for (const s of ['TEST SHOP', orig.merchantId, orig.terminalId, orig.panMasked, 'RMB 43.21', `VOUCHER NO: ${orig.stan}`, `BATCH NO: ${orig.batch}`, `REF NO: ${orig.rrn}`, `AUTH NO: ${orig.authCode}`]) {
        assert.ok(text.includes(s), `the receipt shows ${s}`);
      }
      assert.match(text, /DATE\/TIME: \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d/);
      assert.ok(!text.includes(pan), 'never the full card number');
    }
  });
});
