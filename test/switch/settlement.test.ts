// Settlement 0500 against the switch's own record of the batch, batch upload 0320, and the batch advancing.
import { strict as assert } from 'node:assert';
import type { IsoMessage } from '../../harness/iso8583';
import { encodePinBlock } from '../../harness/security';
import { Stack } from './support/stack';
import type { TestLine, TestTerminal } from './support/test-terminal';

async function send(line: TestLine, t: TestTerminal, msg: IsoMessage) {
  const r = await line.exchange(msg, t.pack(msg));
  assert.ok(r, `no answer to ${msg.mti}`);
  return r;
}

describe('switch: settlement and batch upload', () => {
  let stack: Stack;
  beforeEach(async () => { stack = await Stack.start(); });
  afterEach(async () => { await stack.close(); });

  /** Sales 1000, 2000 (voided), 3000 (reversed), a declined one, and 4000: the batch's debits are 1000 + 4000. */
  async function batchOfFive(t: TestTerminal, line: TestLine) {
    const card = stack.card(false);
    assert.equal((await stack.sale(t, line, card, 1000)).reply?.message.fields[39], '00');
    const s2 = await stack.sale(t, line, card, 2000);
    const v = t.voidRequest(card, 2000, { stan: String(s2.request.fields[11]), rrn: String(s2.reply!.message.fields[37]), authCode: String(s2.reply!.message.fields[38]) });
    assert.equal((await send(line, t, v)).message.fields[39], '00');
    const s3 = await stack.sale(t, line, card, 3000);
    assert.equal((await send(line, t, t.reversalOf(s3.request, '96'))).message.fields[39], '00');
    const pinCard = stack.card(true);
    const bad = t.saleRequest(pinCard, 500);
    bad.fields[52] = encodePinBlock(pinCard.pin === '000000' ? '111111' : '000000', pinCard.pan, t.keys!.pik);
    assert.equal((await send(line, t, bad)).message.fields[39], '55');
    assert.equal((await stack.sale(t, line, card, 4000)).reply?.message.fields[39], '00');
  }

  it('balanced: 48 comes back with code 1 at digit 30, and the batch advances', async () => {
    const { t, line } = await stack.signedOn(0);
    await batchOfFive(t, line);
    const req = t.settlementRequest({ debitAmount: 5000, debitCount: 2 });
    const r = await send(line, t, req);
    const f = r.message.fields;
    assert.equal(r.message.mti, '0510');
    assert.equal(f[39], '00');
    assert.equal(r.macOk, true);
    assert.equal(String(f[48]).slice(0, 30), String(req.fields[48]).slice(0, 30));
    assert.equal(String(f[48])[30], '1');
    assert.match(String(f[15]), /^\d{4}$/);
    assert.equal(f[60], req.fields[60]);
    // An upload end 207 after a balanced settlement is accepted and does not close the next batch too.
    const end207: IsoMessage = { mti: '0320', fields: { 11: t.nextStan(), 41: t.terminalId, 42: t.merchantId, 48: '0000', 60: '00' + t.batch + '207' } };
    assert.equal((await send(line, t, end207)).message.fields[39], '00');
    // The old batch is closed: a sale in it is a batch mismatch; the next batch is accepted.
    assert.equal((await stack.sale(t, line, stack.card(false), 100)).reply?.message.fields[39], '77');
    t.batch = String(Number(t.batch) + 1).padStart(6, '0');
    assert.equal((await stack.sale(t, line, stack.card(false), 100)).reply?.message.fields[39], '00');
  });

  it('unbalanced: code 2, then batch upload 0320 (no MAC) and its end message close the batch', async () => {
    const { t, line } = await stack.signedOn(0);
    await batchOfFive(t, line);
    const r = await send(line, t, t.settlementRequest({ debitAmount: 8000, debitCount: 3 }));
    assert.equal(String(r.message.fields[48])[30], '2');
    // The batch stays open until the upload ends.
    const detail: IsoMessage = { mti: '0320', fields: { 2: stack.card(false).pan, 3: '000000', 4: '000000001000', 11: t.nextStan(), 37: '000000000001', 38: '000001', 41: t.terminalId, 42: t.merchantId, 60: '00' + t.batch + '201', 61: t.batch + '000001' + '1121' } };
    const d = await send(line, t, detail);
    assert.equal(d.message.mti, '0330');
    assert.equal(d.message.fields[39], '00');
    assert.equal(d.message.fields[64], undefined);
    const end: IsoMessage = { mti: '0320', fields: { 11: t.nextStan(), 41: t.terminalId, 42: t.merchantId, 48: '0001', 60: '00' + t.batch + '202' } };
    assert.equal((await send(line, t, end)).message.fields[39], '00');
    t.batch = String(Number(t.batch) + 1).padStart(6, '0');
    assert.equal((await stack.sale(t, line, stack.card(false), 100)).reply?.message.fields[39], '00');
    assert.equal(stack.issuer.ledger().filter((e) => e.mti.startsWith('05') || e.mti.startsWith('03')).length, 0, 'settlement stays at the switch');
  });

  it('a timed-out sale does not count in the switch totals', async () => {
    await stack.close();
    stack = await Stack.start({ swallowAfter: 1, timeoutMs: 150 });
    const { t, line } = await stack.signedOn(0);
    assert.equal((await stack.sale(t, line, stack.card(false), 1000)).reply?.message.fields[39], '98');
    const r = await send(line, t, t.settlementRequest({ debitAmount: 0, debitCount: 0 }));
    assert.equal(String(r.message.fields[48])[30], '1');
  });

  it('answers 30 to malformed totals and changes nothing', async () => {
    const { t, line } = await stack.signedOn(0);
    const req = t.settlementRequest({ debitAmount: 0, debitCount: 0 });
    req.fields[48] = '1234';
    assert.equal((await send(line, t, req)).message.fields[39], '30');
    assert.equal((await stack.sale(t, line, stack.card(false), 100)).reply?.message.fields[39], '00', 'batch unchanged');
  });
});
