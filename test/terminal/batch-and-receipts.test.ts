import { strict as assert } from 'node:assert';
import { VirtualPrinter } from '../../harness/printers';
import type { Fleet } from '../../harness/terminal';
import { type Relay } from './support/relay';
import { startStack, type Stack } from './support/stack';

/** A terminal as the fleet holds it (private): to check that the last receipt is the journal's entry, not a copy. */
function terminal(fleet: Fleet, i: number): { journal: object[] | null; lastReceipt: object | null } {
  return (fleet as unknown as { terminals: Array<{ journal: object[] | null; lastReceipt: object | null }> }).terminals[i];
}

describe('terminal fleet: the batch of each transaction, and receipts across settlement and restart', function () {
  this.timeout(20_000);
  let stack: Stack;
  let relay: Relay | undefined;

  beforeEach(async () => { stack = await startStack(); });
  afterEach(() => stack.close());

  it('after a 77 re-sign-on into the next batch, a sale of the old batch cannot be voided and is neither totalled nor uploaded', async () => {
    let dropSettlement = true;
    relay = await stack.relay((msg) => (dropSettlement && msg.mti === '0510' ? 'drop' : 'pass'));
    const fleet = await stack.fleet({ switchAddress: { host: '127.0.0.1', port: relay.port }, timeouts: { responseMs: 400 } });
    const card = stack.card(false);
    await fleet.submit({ intentId: 'old', ...card, amount: 1000, terminalIndex: 0 });
    const old = fleet.attempts()[0];
    // The switch closes batch 000001; its 0510 never reaches the terminal, which stays in batch 000001.
    assert.equal((await fleet.settle(0)).ok, false);
    dropSettlement = false;
    const next = await fleet.submit({ intentId: 'new', ...card, amount: 300, terminalIndex: 0, secondSwipe: true });
    assert.deepEqual([next.outcome, fleet.attempts()[1].responseCode], ['approved-with-receipt', '77']);
    assert.equal(fleet.terminalInfo(0).batch, '000002');
    assert.deepEqual(fleet.terminalInfo(0).journal.map((e) => [e.stan, e.batch, e.status]), [[old.stan, '000001', 'ok'], [fleet.attempts()[2].stan, '000002', 'ok']]);
    await assert.rejects(fleet.void(0, old.stan), /voucher number \d{6} is of batch 000001, not the current batch 000002: only a refund/);
    const r = await fleet.settle(0);
    assert.deepEqual([r.ok, r.batch, r.reconciliation, r.totals.debitCount, r.totals.debitAmount, r.uploaded], [true, '000002', '1', 1, 300, 0], JSON.stringify(r));
    assert.equal(relay.requests.filter((m) => m.mti === '0200' && String(m.fields[3]) === '200000').length, 0, 'no void went out');
    assert.equal(fleet.terminalInfo(0).journal.length, 0, 'settlement cleared the memory, the old batch too');
  });

  it('the void and batch upload name the original by the batch recorded with it (61.1), kept across a restart', async () => {
    relay = await stack.relay();
    relay.dropRequest = (m) => m.mti === '0400'; // a lost reversal makes the settlement unbalanced
    const printer = new VirtualPrinter({ paper: 2 });
    const storePath = stack.fleetConfig().storePath;
    const config = { storePath, switchAddress: { host: '127.0.0.1', port: relay.port }, timeouts: { responseMs: 400 }, printers: { sink: () => printer, onNotPrinted: 'reverse' as const } };
    const fleet = await stack.fleet(config);
    const card = stack.card(false);
    for (const [id, amount] of [['a', 100], ['b', 200], ['c', 300]] as const) await fleet.submit({ intentId: id, ...card, amount, terminalIndex: 0 });
    await fleet.close();
    printer.loadPaper();
    const again = await stack.fleet(config);
    assert.deepEqual(again.terminalInfo(0).journal.map((e) => [e.batch, e.status]), [['000001', 'ok'], ['000001', 'ok'], ['000001', 'reversed']]);
    const a = fleet.attempts()[0];
    const v = await again.void(0, a.stan);
    assert.equal(v.responseCode, '00');
    const voidReq = relay.requests.filter((m) => m.mti === '0200').at(-1)!;
    assert.equal(voidReq.fields[61], '000001' + a.stan);
    const r = await again.settle(0);
    assert.deepEqual([r.ok, r.reconciliation, r.uploaded], [true, '2', 1], JSON.stringify(r));
    const upload = relay.requests.filter((m) => m.mti === '0320')[0];
    assert.equal(String(upload.fields[61]).slice(0, 12), '000001' + fleet.attempts()[1].stan, 'only b is uploaded: a was voided, c reversed');
  });

  it('the last receipt is the journal entry itself (no copy), after a restart too, and reprints as before', async () => {
    const storePath = stack.fleetConfig().storePath;
    const fleet = await stack.fleet({ storePath });
    await fleet.submit({ intentId: 'r', ...stack.card(false), amount: 4321, terminalIndex: 0 });
    const t = terminal(fleet, 0);
    assert.equal(t.lastReceipt, t.journal![0]);
    await fleet.close();
    const again = await stack.fleet({ storePath });
    const t2 = terminal(again, 0);
    assert.equal(t2.lastReceipt, t2.journal![0]);
    assert.equal(await again.reprintLast(0), 'printed');
    const [orig] = fleet.receipts();
    const [copy] = again.receipts();
    assert.equal(copy.reprint, true);
    for (const k of ['stan', 'rrn', 'authCode', 'amount', 'batch', 'terminalId', 'merchantId', 'cardRef', 'panMasked', 'intentId'] as const) assert.equal(copy[k], orig[k], k);
  });

  it('the default journal sink keeps no second list of the receipts: the fleet journal has them', async () => {
    const fleet = await stack.fleet();
    await fleet.submit({ intentId: 'j', ...stack.card(false), amount: 10, terminalIndex: 0 });
    assert.equal(fleet.receipts().length, 1);
    const sink = (fleet as unknown as { ownedSink: { journal: { size: number } } }).ownedSink;
    assert.equal(sink.journal.size, 0);
    fleet.clearRecords();
    assert.deepEqual([fleet.receipts().length, fleet.attempts().length, fleet.outcomes().length], [0, 0, 0]);
    assert.equal(fleet.terminalInfo(0).journal.length, 1, 'the terminal state stays');
  });

  it('settlement waits for a receipt still owed (it would clear it for good), then clears the last receipt unless reprintAfterSettlement', async () => {
    const printer = new VirtualPrinter({ paper: 1 });
    const fleet = await stack.fleet({ printers: { sink: () => printer, onNotPrinted: 'reprint' } });
    const card = stack.card(false);
    await fleet.submit({ intentId: 'p', ...card, amount: 10, terminalIndex: 0 });
    await fleet.submit({ intentId: 'q', ...card, amount: 20, terminalIndex: 0 });
    assert.equal(fleet.stats().pendingReprints, 1);
    const refused = await fleet.settle(0);
    assert.equal(refused.ok, false);
    assert.match(refused.failure ?? '', /^receipt-owed: printer out of paper/);
    assert.deepEqual([fleet.terminalInfo(0).batch, fleet.stats().pendingReprints], ['000001', 1], 'nothing settled, the receipt still owed');
    printer.loadPaper();
    assert.equal((await fleet.settle(0)).ok, true, 'the owed receipt printed first, then the batch settled');
    assert.equal(fleet.stats().pendingReprints, 0);
    assert.equal(printer.printedTexts().length, 2, 'the first receipt and the owed one (REPRINT)');
    assert.match(printer.printedTexts()[1], /REPRINT/);
    await assert.rejects(fleet.reprintLast(0), /no receipt to reprint/);

    const keeps = await stack.fleet({ reprintAfterSettlement: true });
    await keeps.submit({ intentId: 'k', ...card, amount: 30, terminalIndex: 1 });
    assert.equal((await keeps.settle(1)).ok, true);
    assert.equal(await keeps.reprintLast(1), 'printed');
    assert.deepEqual(keeps.receipts().map((r) => [r.amount, r.batch, r.reprint]), [[30, '000001', false], [30, '000001', true]]);
  });

  it('after a restart: the batch advanced by settlement, a pending reprint printed as REPRINT, and reprintLast work', async () => {
    const printer = new VirtualPrinter({ paper: 1 });
    const storePath = stack.fleetConfig().storePath;
    const config = { storePath, printers: { sink: () => printer, onNotPrinted: 'reprint' as const } };
    const fleet = await stack.fleet(config);
    const card = stack.card(false);
    await fleet.submit({ intentId: 'one', ...card, amount: 100, terminalIndex: 0 });
    assert.equal((await fleet.settle(0)).nextBatch, '000002');
    const out = await fleet.submit({ intentId: 'two', ...card, amount: 222, terminalIndex: 0 });
    assert.equal(out.outcome, 'approved-without-receipt');
    await fleet.close();
    const again = await stack.fleet(config);
    assert.deepEqual([again.terminalInfo(0).batch, again.terminalInfo(0).reprintPending], ['000002', true]);
    printer.loadPaper();
    await again.drainReversals();
    assert.equal(await again.reprintLast(0), 'printed');
    assert.deepEqual(again.receipts().map((r) => [r.intentId, r.batch, r.reprint, r.printed]), [['two', '000002', true, 'printed'], ['two', '000002', true, 'printed']]);
    const [pending, asked] = printer.printedTexts().slice(-2);
    for (const text of [pending, asked]) assert.match(text, /重打印 REPRINT[\s\S]*BATCH NO: 000002[\s\S]*RMB 2\.22/);
    assert.equal(again.stats().pendingReprints, 0);
  });
});
