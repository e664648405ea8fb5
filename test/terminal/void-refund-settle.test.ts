import { strict as assert } from 'node:assert';
import { VirtualPrinter } from '../../harness/printers';
import { type Relay } from './support/relay';
import { startStack, type Stack } from './support/stack';

describe('terminal fleet: void, refund, settlement', function () {
  this.timeout(20_000);
  let stack: Stack;
  let relay: Relay | undefined;

  beforeEach(async () => { stack = await startStack(); });
  afterEach(() => stack.close());

  it('voids a sale of the current batch (full amount, referencing the original) and prints the void', async () => {
    relay = await stack.relay();
    const fleet = await stack.fleet({ switchAddress: { host: '127.0.0.1', port: relay.port } });
    const card = stack.card(false);
    const before = stack.issuer.balance(card.pan)!;
    await fleet.submit({ intentId: 's', ...card, amount: 2500, terminalIndex: 0 });
    const sale = fleet.attempts()[0];
    await assert.rejects(fleet.void(0, '123456'), /no sale with voucher number 123456/);
    const v = await fleet.void(0, sale.stan);
    assert.deepEqual([v.outcome, v.responseCode, v.attempt?.kind], ['approved-with-receipt', '00', 'void']);
    const req = relay.requests.filter((m) => m.mti === '0200').at(-1)!;
    assert.deepEqual([req.fields[3], req.fields[4], req.fields[37], req.fields[38]], ['200000', '000000002500', sale.rrn, sale.authCode]);
    assert.equal(String(req.fields[60]).slice(0, 2), '23');
    assert.equal(req.fields[61], sale.batch + sale.stan);
    assert.notEqual(req.fields[11], sale.stan, 'a void takes a new STAN');
    assert.equal(stack.issuer.balance(card.pan), before);
    assert.deepEqual(fleet.receipts().map((r) => r.kind), ['sale', 'void']);
    assert.deepEqual(fleet.terminalInfo(0).journal.map((e) => [e.kind, e.status]), [['sale', 'voided'], ['void', 'ok']]);
    await assert.rejects(fleet.void(0, sale.stan), /already voided/);
  });

  it('a void without an answer is reversed like a sale (60.1 = 23, the void STAN)', async () => {
    let drop = false;
    relay = await stack.relay((msg) => (drop && msg.mti === '0210' ? 'drop' : 'pass'));
    const fleet = await stack.fleet({ switchAddress: { host: '127.0.0.1', port: relay.port }, timeouts: { responseMs: 500 } });
    await fleet.submit({ intentId: 's', ...stack.card(false), amount: 900, terminalIndex: 0 });
    drop = true;
    const v = await fleet.void(0, fleet.attempts()[0].stan);
    assert.equal(v.outcome, 'failed-reversed');
    const rev = relay.requests.find((m) => m.mti === '0400')!;
    assert.equal(String(rev.fields[60]).slice(0, 2), '23');
    assert.equal(rev.fields[11], v.attempt?.stan);
    assert.deepEqual(fleet.terminalInfo(0).journal.map((e) => [e.kind, e.status]), [['sale', 'ok']]);
  });

  it('settles a balanced batch (field 48 totals), advances the batch, then refunds the sale (0220, not reversible)', async () => {
    relay = await stack.relay();
    const fleet = await stack.fleet({ switchAddress: { host: '127.0.0.1', port: relay.port } });
    const card = stack.card(false);
    await fleet.submit({ intentId: 's1', ...card, amount: 1000, terminalIndex: 0 });
    await fleet.submit({ intentId: 's2', ...card, amount: 2000, terminalIndex: 0 });
    const sale = fleet.attempts()[0];
    const r = await fleet.settle(0);
    assert.deepEqual([r.ok, r.reconciliation, r.uploaded, r.batch, r.nextBatch], [true, '1', 0, '000001', '000002']);
    const s = relay.requests.find((m) => m.mti === '0500')!;
    assert.equal(s.fields[48], '000000003000002000000000000000' + '0' + '0'.repeat(31));
    assert.equal(fleet.terminalInfo(0).journal.length, 0);
    await assert.rejects(fleet.void(0, sale.stan), /no sale/, 'no void after settlement');
    const before = stack.issuer.balance(card.pan)!;
    const receipt = fleet.receipts()[0];
    const ledgerSale = stack.issuer.ledger().find((e) => e.rrn === sale.rrn)!;
    const refund = await fleet.refund(0, {
      ...card, amount: 400,
      original: { rrn: sale.rrn!, batch: receipt.batch, stan: sale.stan, date: ledgerSale.transmissionDateTime.slice(0, 4) },
    });
    assert.deepEqual([refund.outcome, refund.attempt?.kind], ['approved-with-receipt', 'refund']);
    const req = relay.requests.at(-1)!;
    assert.deepEqual([req.mti, req.fields[3], String(req.fields[60]).slice(0, 2)], ['0220', '200000', '25']);
    assert.equal(String(req.fields[61]).slice(0, 12), '000001' + sale.stan);
    assert.equal(stack.issuer.balance(card.pan), before + 400);
    assert.equal(fleet.receipts().at(-1)?.kind, 'refund');
    await assert.rejects(fleet.refund(0, { ...card, amount: 400, original: { rrn: 'x', batch: '1', stan: '2', date: '13' } }), /refund original/);
  });

  it('a refund whose 0230 is lost is not reversed (0220 is not reversible): no 0400, nothing pending', async () => {
    let drop = false;
    relay = await stack.relay((msg) => (drop && msg.mti === '0230' ? 'drop' : 'pass'));
    const fleet = await stack.fleet({ switchAddress: { host: '127.0.0.1', port: relay.port }, timeouts: { responseMs: 400 } });
    const card = stack.card(false);
    await fleet.submit({ intentId: 's', ...card, amount: 1000, terminalIndex: 0 });
    const sale = fleet.attempts()[0];
    const date = stack.issuer.ledger().find((e) => e.rrn === sale.rrn)!.transmissionDateTime.slice(0, 4);
    assert.equal((await fleet.settle(0)).ok, true);
    drop = true;
    const r = await fleet.refund(0, { ...card, amount: 300, original: { rrn: sale.rrn!, batch: sale.batch, stan: sale.stan, date } });
    assert.deepEqual([r.outcome, r.failure, r.attempt?.result], ['declined', 'no-response', 'no-response']);
    assert.equal(r.attempt?.reversal, undefined);
    drop = false;
    await fleet.drainReversals();
    assert.equal(fleet.stats().pendingReversals, 0);
    assert.equal(relay.requests.filter((m) => m.mti === '0400').length, 0, 'no reversal of a refund');
    assert.equal(fleet.terminalInfo(0).pendingReversal, null);
    assert.equal((await fleet.submit({ intentId: 'n', ...card, amount: 10, terminalIndex: 0 })).outcome, 'approved-with-receipt');
    assert.deepEqual(relay.requests.slice(-1).map((m) => m.mti), ['0200'], 'the next sale is not preceded by a 0400');
  });

  it('unbalanced settlement: batch upload of every transaction (0320 201), the end message (202), then the batch advances', async () => {
    relay = await stack.relay();
    relay.dropRequest = (m) => m.mti === '0400'; // the switch never hears of the reversal
    const printer = new VirtualPrinter({ paper: 2 });
    const fleet = await stack.fleet({
      switchAddress: { host: '127.0.0.1', port: relay.port },
      timeouts: { responseMs: 400 },
      printers: { sink: () => printer, onNotPrinted: 'reverse' },
    });
    const card = stack.card(false);
    for (const [id, amount] of [['a', 100], ['b', 200], ['c', 300]] as const) await fleet.submit({ intentId: id, ...card, amount, terminalIndex: 0 });
    await fleet.drainReversals();
    assert.equal(fleet.stats().failedReversals, 1, 'the 96 reversal of c never got through');
    assert.deepEqual(fleet.terminalInfo(0).journal.map((e) => [e.amount, e.status]), [[100, 'ok'], [200, 'ok'], [300, 'reversal-failed']]);
    const r = await fleet.settle(0);
    assert.deepEqual([r.ok, r.reconciliation, r.uploaded, r.nextBatch], [true, '2', 2, '000002'], JSON.stringify(r));
    const uploads = relay.requests.filter((m) => m.mti === '0320');
    assert.deepEqual(uploads.map((m) => String(m.fields[60]).slice(-3)), ['201', '201', '202']);
    assert.deepEqual(uploads.slice(0, 2).map((m) => m.fields[4]), ['000000000100', '000000000200']);
    assert.equal(uploads[2].fields[48], '0002');
    assert.ok(uploads.every((m) => m.fields[64] === undefined), 'no MAC on 0320');
    assert.equal(fleet.terminalInfo(0).batch, '000002');
    printer.loadPaper();
    const next = await fleet.submit({ intentId: 'd', ...card, amount: 10, terminalIndex: 0 });
    assert.equal(next.outcome, 'approved-with-receipt', 'the switch moved to the same batch (no 77)');
  });

  it('balance inquiry: not reversible, returns the balance, prints nothing', async () => {
    let drop = false;
    relay = await stack.relay((msg) => (drop && msg.mti === '0210' ? 'drop' : 'pass'));
    const fleet = await stack.fleet({ switchAddress: { host: '127.0.0.1', port: relay.port }, timeouts: { responseMs: 400 } });
    const card = stack.card(true);
    const out = await fleet.submit({ intentId: 'q', ...card, amount: 0, kind: 'inquiry', terminalIndex: 0 });
    assert.deepEqual([out.outcome, out.responseCode], ['approved-without-receipt', '00']);
    assert.equal(fleet.attempts()[0].kind, 'inquiry');
    assert.equal(fleet.receipts().length, 0);
    drop = true;
    const lost = await fleet.submit({ intentId: 'q2', ...card, amount: 0, kind: 'inquiry', terminalIndex: 0 });
    assert.deepEqual([lost.outcome, lost.failure], ['declined', 'no-response']);
    assert.equal(fleet.stats().pendingReversals, 0);
    assert.equal(relay.requests.filter((m) => m.mti === '0400').length, 0);
  });
});
