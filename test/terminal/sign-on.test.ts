import { strict as assert } from 'node:assert';
import { getDialect, MessageCodec } from '../../harness/iso8583';
import type { IsoMessage } from '../../harness/iso8583/types';
import { type Relay } from './support/relay';
import { FIRST_ID, startStack, type Stack } from './support/stack';

const codec = new MessageCodec(getDialect('cup-pos'));

describe('terminal fleet: sign-on and working keys', function () {
  this.timeout(20_000);
  let stack: Stack;
  let relay: Relay | undefined;

  beforeEach(async () => { stack = await startStack(); });
  afterEach(() => stack.close());

  it('the switch changed keys (rotateKeys): A0 → the terminal signs on again; a second swipe is approved', async () => {
    const fleet = await stack.fleet();
    const card = stack.card(true);
    assert.equal((await fleet.submit({ intentId: 'a', ...card, amount: 100, terminalIndex: 0 })).outcome, 'approved-with-receipt');
    stack.sw.rotateKeys(String(FIRST_ID));
    const once = await fleet.submit({ intentId: 'b', ...card, amount: 100, terminalIndex: 0 });
    assert.deepEqual([once.outcome, once.responseCode], ['declined', 'A0']);
    assert.equal(fleet.stats().signOns, 2, 'signed on again after A0');
    const again = await fleet.submit({ intentId: 'c', ...card, amount: 100, terminalIndex: 0 });
    assert.equal(again.outcome, 'approved-with-receipt');
    stack.sw.rotateKeys(String(FIRST_ID));
    const swipe2 = await fleet.submit({ intentId: 'd', ...card, amount: 100, terminalIndex: 0, secondSwipe: true });
    assert.deepEqual([swipe2.outcome, swipe2.attempts], ['approved-with-receipt', 2]);
    assert.deepEqual(fleet.attempts().filter((a) => a.intentId === 'd').map((a) => a.responseCode), ['A0', '00']);
  });

  it('a bad check value in field 62 is a failed sign-on: no keys installed, no sale sent', async () => {
    relay = await stack.relay((msg) => {
      if (msg.mti !== '0810' || !Buffer.isBuffer(msg.fields[62])) return 'pass';
      const f62 = Buffer.from(msg.fields[62]);
      f62[37] ^= 0xff; // inside the MAK check value
      return codec.pack({ mti: msg.mti, fields: { ...msg.fields, 62: f62 } });
    });
    const fleet = await stack.fleet({ switchAddress: { host: '127.0.0.1', port: relay.port } });
    const r = await fleet.signOn(0);
    assert.equal(r.ok, false);
    assert.match(r.reason ?? '', /MAK check value mismatch/);
    assert.equal(fleet.terminalInfo(0).signedOn, false);
    const out = await fleet.submit({ intentId: 'x', ...stack.card(false), amount: 100, terminalIndex: 0 });
    assert.deepEqual([out.outcome, out.attempts, out.failure], ['failed-not-sent', 0, 'sign-on-failed']);
    assert.equal(relay.requests.filter((m) => m.mti === '0200').length, 0);
    assert.equal(fleet.stats().signOnFailures, 2);
  });

  it('a bad PIK check value is a failed sign-on too, and drops the keys the terminal had', async () => {
    let corrupt = false;
    relay = await stack.relay((msg) => {
      if (!corrupt || msg.mti !== '0810' || !Buffer.isBuffer(msg.fields[62])) return 'pass';
      const f62 = Buffer.from(msg.fields[62]);
      f62[17] ^= 0x01; // inside the PIK check value (bytes 16-19)
      return codec.pack({ mti: msg.mti, fields: { ...msg.fields, 62: f62 } });
    });
    const fleet = await stack.fleet({ switchAddress: { host: '127.0.0.1', port: relay.port } });
    assert.equal((await fleet.signOn(0)).ok, true);
    assert.equal(fleet.terminalInfo(0).signedOn, true);
    corrupt = true;
    const r = await fleet.signOn(0);
    assert.equal(r.ok, false);
    assert.match(r.reason ?? '', /PIK check value mismatch/);
    assert.equal(fleet.terminalInfo(0).signedOn, false, 'the old keys are not kept either');
    corrupt = false;
    const out = await fleet.submit({ intentId: 'y', ...stack.card(true), amount: 100, terminalIndex: 0 });
    assert.equal(out.outcome, 'approved-with-receipt', 'a later good sign-on installs keys again');
    assert.equal(fleet.stats().signOns, 3);
  });

  it('77 (batch mismatch): signs on again and adopts the switch batch', async () => {
    let lie = true;
    relay = await stack.relay((msg) => {
      if (msg.mti !== '0810' || !lie) return 'pass';
      lie = false;
      const f60 = String(msg.fields[60]);
      return codec.pack({ mti: msg.mti, fields: { ...msg.fields, 60: f60.slice(0, 2) + '000777' + f60.slice(8) } });
    });
    const fleet = await stack.fleet({ switchAddress: { host: '127.0.0.1', port: relay.port } });
    assert.equal((await fleet.signOn(0)).ok, true);
    assert.equal(fleet.terminalInfo(0).batch, '000777');
    const out = await fleet.submit({ intentId: 'x', ...stack.card(false), amount: 100, terminalIndex: 0, secondSwipe: true });
    assert.deepEqual([out.outcome, out.attempts], ['approved-with-receipt', 2]);
    assert.equal(fleet.attempts()[0].responseCode, '77');
    assert.equal(fleet.terminalInfo(0).batch, '000001');
  });

  it('99 in a response also makes the terminal sign on again', async () => {
    let once = true;
    relay = await stack.relay((msg) => {
      if (msg.mti !== '0210' || !once) return 'pass';
      once = false;
      // An unMAC'd decline: the terminal takes it as a decline all the same (nothing to reverse).
      const fields: IsoMessage['fields'] = { ...msg.fields, 39: '99' };
      delete fields[64];
      return codec.pack({ mti: msg.mti, fields });
    });
    const fleet = await stack.fleet({ switchAddress: { host: '127.0.0.1', port: relay.port } });
    const out = await fleet.submit({ intentId: 'x', ...stack.card(false), amount: 100, terminalIndex: 0 });
    assert.deepEqual([out.outcome, out.responseCode], ['declined', '99']);
    assert.equal(fleet.stats().signOns, 2);
    assert.equal(fleet.stats().declineMacFailures, 1);
    assert.equal(fleet.stats().pendingReversals, 0);
  });
});
