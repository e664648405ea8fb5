import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createFleet, FleetConfigError, FleetInputError, type FleetConfig } from '../../harness/terminal';

describe('terminal fleet: bad input gets a clear error and changes nothing', () => {
  let dir: string;
  const base = (): FleetConfig => ({
    switchAddress: { host: '127.0.0.1', port: 9 },
    seed: 's',
    terminals: { firstId: 40000001, count: 2, merchantId: () => '898100054110001' },
    mode: 'long',
    storePath: path.join(dir, 'store'),
  });

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-val-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('rejects bad configuration, naming the setting', async () => {
    const cases: Array<[Partial<FleetConfig> | Record<string, unknown>, RegExp]> = [
      [{ mode: 'satellite' }, /mode must be 'dialup' or 'long'/],
      [{ seed: '' }, /seed must be a non-empty string/],
      [{ switchAddress: { host: '127.0.0.1', port: 70000 } }, /switchAddress.port/],
      [{ terminals: { firstId: 1, count: 0, merchantId: () => 'x' } }, /terminals.count/],
      [{ timeouts: { responseMs: -1 } }, /timeouts.responseMs/],
      [{ printers: { sink: () => null, onNotPrinted: 'shrug' } }, /printers.onNotPrinted/],
      [{ sharedIds: [[0, 0]] }, /names one terminal twice/],
      [{ sharedIds: [[0, 5]] }, /sharedIds index/],
      [{ dialect: 'klingon' }, /klingon/],
    ];
    for (const [patch, msg] of cases) {
      await assert.rejects(createFleet({ ...base(), ...patch } as FleetConfig), msg);
    }
    await assert.rejects(createFleet({ ...base(), reversal: { maxTries: 0 } }), (e: Error) => e instanceof FleetConfigError);
    await assert.rejects(createFleet({ ...base(), terminals: { firstId: 1, count: 2, merchantId: () => 'short' } }), /must give 15 printable characters/);
    assert.equal(fs.existsSync(path.join(dir, 'store')), false, 'no store was created');
  });

  it('rejects bad intents and operations without using a STAN or sending anything', async () => {
    const fleet = await createFleet(base());
    try {
      const good = { intentId: 'x', pan: '6222021234567890', expiry: '3012', amount: 100, terminalIndex: 0 };
      const bad: Array<[Record<string, unknown>, RegExp]> = [
        [{ pan: '62220212345678ab' }, /pan must be 12 to 19 digits/],
        [{ expiry: '3013' }, /expiry must be YYMM/],
        [{ amount: 1.5 }, /amount must be a whole number/],
        [{ amount: 0 }, /amount must be a whole number/],
        [{ pin: '12' }, /pin must be 4 to 12 digits/],
        [{ intentId: '' }, /intentId/],
        [{ terminalIndex: 2 }, /terminal index must be an integer from 0 to 1/],
        [{ kind: 'cashback' }, /kind must be/],
      ];
      for (const [patch, msg] of bad) {
        await assert.rejects(fleet.submit({ ...good, ...patch } as never), (e: Error) => e instanceof FleetInputError && msg.test(e.message));
      }
      await assert.rejects(fleet.void(0, '12'), /6 digits/);
      await assert.rejects(fleet.settle(-1), /terminal index/);
      assert.equal(fleet.terminalInfo(0).stan, '000000');
      assert.equal(fleet.stats().dials, 0);
      assert.equal(fleet.attempts().length, 0);
    } finally {
      await fleet.close();
    }
    await assert.rejects(fleet.submit({ intentId: 'y', pan: '6222021234567890', expiry: '3012', amount: 1 }), /closed/);
  });
});
