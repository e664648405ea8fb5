import { strict as assert } from 'node:assert';
import { VirtualPrinter, type PrinterSink } from '../../harness/printers';
import { type Relay } from './support/relay';
import { startStack, type Stack } from './support/stack';

describe('terminal fleet: nothing held while idle', function () {
  this.timeout(20_000);
  let stack: Stack;
  let relay: Relay | undefined;

  beforeEach(async () => { stack = await startStack(); });
  afterEach(() => stack.close());

  it('a dial-up fleet holds no timer and no socket once its work is done, reversals and reprints included', async () => {
    let dropOne = true;
    relay = await stack.relay((msg) => {
      if (msg.mti !== '0210' || !dropOne) return 'pass';
      dropOne = false;
      return 'drop';
    });
    const printer = new VirtualPrinter({ paper: 2 });
    const fleet = await stack.fleet({
      mode: 'dialup',
      switchAddress: { host: '127.0.0.1', port: relay.port },
      timeouts: { connectMs: 1000, responseMs: 400, carrierMs: 5 },
      printers: { sink: () => printer, onNotPrinted: 'reprint' },
    });
    assert.deepEqual([fleet.stats().timersArmed, fleet.stats().openLines], [0, 0], 'nothing before the first transaction');
    const card = stack.card(false);
    const outs = await Promise.all([0, 1, 2, 3].map((i) => fleet.submit({ intentId: `i${i}`, ...card, amount: 100 + i, terminalIndex: i })));
    assert.deepEqual(outs.map((o) => o.outcome).sort(), ['approved-with-receipt', 'approved-with-receipt', 'approved-without-receipt', 'failed-reversed']);
    const s = fleet.stats();
    assert.deepEqual([s.timersArmed, s.openLines, s.inFlight, s.pendingReprints], [0, 0, 0, 1]);
    assert.ok(s.dials >= 9, `every exchange dialled (${s.dials})`);
  });

  it('a long-connection fleet keeps one line per terminal used and no timer', async () => {
    const fleet = await stack.fleet({ mode: 'long' });
    const card = stack.card(false);
    await Promise.all([0, 1, 2].map((i) => fleet.submit({ intentId: `l${i}`, ...card, amount: 10, terminalIndex: i })));
    assert.deepEqual([fleet.stats().timersArmed, fleet.stats().openLines], [0, 3]);
  });

  it('a sink that throws at once is an unknown print, and leaves no print timeout armed', async () => {
    const sink: PrinterSink = {
      print: () => {
        throw new Error('printer driver crashed');
      },
    };
    const fleet = await stack.fleet({
      mode: 'dialup',
      timeouts: { connectMs: 1000, responseMs: 1500, printMs: 60_000 },
      printers: { sink: () => sink, onNotPrinted: 'reprint' },
    });
    const out = await fleet.submit({ intentId: 'x', ...stack.card(false), amount: 10, terminalIndex: 0 });
    assert.deepEqual([out.outcome, out.failure], ['approved-without-receipt', 'not-printed']);
    assert.deepEqual(fleet.receipts().map((r) => r.printed), ['unknown']);
    assert.deepEqual([fleet.stats().timersArmed, fleet.stats().openLines], [0, 0]);
  });
});
