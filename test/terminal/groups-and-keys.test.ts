import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { IsoMessage } from '../../harness/iso8583/types';
import { VirtualPrinter } from '../../harness/printers';
import type { TerminalDirectory } from '../../harness/switch/terminal-directory';
import { createFleet, FleetConfigError, type Fleet, type FleetConfig } from '../../harness/terminal';
import { startRelay, type Relay } from './support/relay';
import { FIRST_ID, merchantOf, startStack, type Stack } from './support/stack';

/** The fleet's terminals as the fleet holds them (private): to check what is shared, not copied. */
function internals(fleet: Fleet): Array<{ group: object }> {
  return (fleet as unknown as { terminals: Array<{ group: object }> }).terminals;
}

describe('terminal fleet: groups of terminals', function () {
  this.timeout(20_000);
  let stack: Stack;

  beforeEach(async () => {
    stack = await startStack();
  });
  afterEach(async () => {
    await stack.close();
  });

  it('runs id ranges with their own mode, merchant name and printer; the terminals of a group share one group object', async () => {
    const dialPrinter = new VirtualPrinter();
    const longPrinter = new VirtualPrinter();
    const fleet = await stack.fleet({
      terminals: undefined,
      groups: [
        { firstId: FIRST_ID, count: 2, mode: 'dialup', merchantId: merchantOf, merchantName: 'DIAL SHOP', sink: () => dialPrinter },
        { firstId: FIRST_ID + 4, count: 3, mode: 'long', merchantId: merchantOf, merchantName: 'LONG SHOP', sink: () => longPrinter },
      ],
    });
    assert.equal(fleet.size, 5);
    assert.deepEqual([0, 1, 2, 4].map((i) => fleet.terminalInfo(i).terminalId), ['20000001', '20000002', '20000005', '20000007']);
    const card = stack.card(false);
    assert.equal((await fleet.submit({ intentId: 'd', ...card, amount: 100, terminalIndex: 1 })).outcome, 'approved-with-receipt');
    assert.equal((await fleet.submit({ intentId: 'l', ...card, amount: 200, terminalIndex: 2 })).outcome, 'approved-with-receipt');
    assert.equal(fleet.stats().dials, 3, 'dial-up: a call for the sign-on and one for the sale; long: one connection');
    assert.equal(fleet.stats().openLines, 1, 'the dial-up terminal hung up, the long one keeps its line');
    assert.match(dialPrinter.printedTexts()[0], /DIAL SHOP[\s\S]*20000002[\s\S]*RMB 1\.00/);
    assert.match(longPrinter.printedTexts()[0], /LONG SHOP[\s\S]*20000005[\s\S]*RMB 2\.00/);
    const ts = internals(fleet);
    assert.equal(ts[0].group, ts[1].group);
    assert.equal(ts[2].group, ts[4].group);
    assert.notEqual(ts[0].group, ts[2].group);
  });

  it('a group may name one merchant for all its terminals; the store remembers the layout of the groups', async () => {
    const base = { ...stack.fleetConfig(), terminals: undefined };
    const groups: FleetConfig['groups'] = [{ firstId: FIRST_ID + 2, count: 1, mode: 'long', merchantId: merchantOf(String(FIRST_ID + 2)) }, { firstId: FIRST_ID, count: 1, mode: 'dialup', merchantId: merchantOf }];
    const fleet = await stack.fleet({ ...base, groups });
    assert.equal(fleet.terminalInfo(0).merchantId, '898100054110003');
    assert.equal((await fleet.submit({ intentId: 'g', ...stack.card(false), amount: 10, terminalIndex: 0 })).outcome, 'approved-with-receipt');
    await fleet.close();
    await assert.rejects(createFleet({ ...base, groups: [groups[0], { ...groups[1], firstId: FIRST_ID + 5 }] }), /belongs to terminals 20000003\+1,20000001\+1/);
    const again = await stack.fleet({ ...base, groups });
    assert.equal(again.terminalInfo(0).stan, '000002', 'the same groups reopen the same store');
  });
});

describe('terminal fleet: groups are validated', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-groups-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('overlapping id ranges, a group without a mode, and terminals with groups are errors that create nothing', async () => {
    const base = (): FleetConfig => ({ switchAddress: { host: '127.0.0.1', port: 9 }, seed: 's', storePath: path.join(dir, 'store') });
    const cases: Array<[Partial<FleetConfig>, RegExp]> = [
      [{ mode: 'long', groups: [{ firstId: 100, count: 10, merchantId: merchantOf }, { firstId: 200, count: 5, merchantId: merchantOf }, { firstId: 105, count: 10, merchantId: merchantOf }] },
        /groups\[0\] \(ids 100-109\) and groups\[2\] \(ids 105-114\) overlap: ids 105-109 are in both/],
      [{ groups: [{ firstId: 100, count: 1, merchantId: merchantOf }] }, /groups\[0\]\.mode: give the group a mode or the fleet a default mode/],
      [{ mode: 'long', groups: [{ firstId: 100, count: 1, merchantId: 'too short' }] }, /groups\[0\]\.merchantId\(00000100\) must give 15 printable characters/],
      [{ mode: 'long', groups: [] }, /groups must be a non-empty array/],
      [{ mode: 'long', terminals: { firstId: 1, count: 1, merchantId: merchantOf }, groups: [{ firstId: 100, count: 1, merchantId: merchantOf }] }, /not both/],
      [{ mode: 'long', groups: [{ firstId: 100, count: 1, merchantId: merchantOf, mode: 'carrier-pigeon' as never }] }, /groups\[0\]\.mode must be 'dialup' or 'long'/],
    ];
    for (const [patch, msg] of cases) {
      await assert.rejects(createFleet({ ...base(), ...patch }), (e: Error) => e instanceof FleetConfigError && msg.test(e.message), String(msg));
    }
    assert.equal(fs.existsSync(path.join(dir, 'store')), false);
  });
});

describe('terminal fleet: master keys and sign-on layout of any switch', function () {
  this.timeout(20_000);
  const TMK = Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex');
  let stack: Stack;
  let relay: Relay | undefined;

  afterEach(async () => {
    await stack.close();
    await relay?.close();
    relay = undefined;
  });

  it('a fleet given the TMKs of a switch (not derived from a seed) signs on; a wrong TMK is a failed sign-on (bad check value)', async () => {
    const terminals: TerminalDirectory = {
      lookup: (tid) => (/^2000000[1-8]$/.test(tid) ? { merchantId: merchantOf(tid), tmk: TMK } : undefined),
    };
    stack = await startStack({ switch: { terminals } });
    const fleet = await stack.fleet({ seed: 'not-the-switch-seed', tmk: () => TMK });
    assert.deepEqual(await fleet.signOn(0), { ok: true, responseCode: '00' });
    assert.equal((await fleet.submit({ intentId: 'k', ...stack.card(true), amount: 100, terminalIndex: 0 })).outcome, 'approved-with-receipt');

    const wrong = Buffer.from(TMK);
    wrong[0] ^= 0x02;
    const other = await stack.fleet({ tmk: () => wrong });
    const r = await other.signOn(1);
    assert.equal(r.ok, false);
    assert.match(r.reason ?? '', /PIK check value mismatch/);
    assert.equal(other.terminalInfo(1).signedOn, false);
    const out = await other.submit({ intentId: 'w', ...stack.card(false), amount: 100, terminalIndex: 1 });
    assert.deepEqual([out.outcome, out.failure], ['failed-not-sent', 'sign-on-failed']);
    await assert.rejects(stack.fleet({ tmk: () => Buffer.alloc(5) }), /tmk\(20000001\) must give an 8-, 16- or 24-byte Buffer, got 5 bytes/);
  });

  it('signOnLayout 001 asks for single-length keys in 60.3 and decodes the 24-byte field 62', async () => {
    stack = await startStack();
    relay = await startRelay(stack.sw.port);
    const fleet = await stack.fleet({ signOnLayout: '001', switchAddress: { host: '127.0.0.1', port: relay.port } });
    const out = await fleet.submit({ intentId: 's', ...stack.card(true), amount: 100, terminalIndex: 0 });
    assert.equal(out.outcome, 'approved-with-receipt', JSON.stringify(out));
    const signOn = relay.requests.find((m: IsoMessage) => m.mti === '0800')!;
    assert.equal(String(signOn.fields[60]).slice(-3), '001');
    await assert.rejects(stack.fleet({ signOnLayout: '002' as never }), /signOnLayout must be '001', '003' or '004'/);
  });
});
