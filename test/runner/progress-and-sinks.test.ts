import { strict as assert } from 'node:assert';
import { PassThrough } from 'node:stream';
import { VirtualPrinter, type Receipt } from '../../harness/printers';
import { progressText, ProgressReporter } from '../../harness/runner/progress';
import { ReceiptLog } from '../../harness/runner/recording-sink';

const receipt: Receipt = {
  kind: 'sale', reprint: false, merchantName: 'M', merchantId: '898310048160001', terminalId: '10000001', terminalIndex: 0,
  panMasked: '622202******1234', cardRef: 'c', amount: 100, stan: '000001', batch: '000001', rrn: 'R1', authCode: '123456', at: 0, intentId: 'i1',
};

describe('receipt log: what each printer sink said', () => {
  it('records the sink\'s own answer for every receipt, a throwing sink as unknown', async () => {
    const log = new ReceiptLog();
    const printer = new VirtualPrinter({ paper: 1 });
    const sink = log.wrap(printer);
    assert.equal(await sink.print(receipt), 'printed');
    assert.equal(await sink.print({ ...receipt, stan: '000002' }), 'not-printed');
    const broken = log.wrap({ print: () => Promise.reject(new Error('jammed')) });
    assert.equal(await broken.print({ ...receipt, stan: '000003' }), 'unknown');
    assert.deepEqual(log.records.map((r) => [r.stan, r.printed]), [['000001', 'printed'], ['000002', 'not-printed'], ['000003', 'unknown']]);
    assert.equal(log.records[0].intentId, 'i1');
    assert.equal(sink.status?.().paper, 'out');
  });
});

describe('progress', () => {
  const state = { elapsedMs: 12_345, phase: 'load' as const, sent: 10, planned: 20, approved: 8, failed: 1, reversalsPending: 2, faults: ['a', 'b', 'c'] };

  it('says elapsed, sent, approved, failed, reversals pending and the faults in force', () => {
    assert.equal(progressText(state), '  12.3s load   sent 10/20  approved 8  failed 1  reversals pending 2  faults: a; b +1');
  });

  it('writes plain lines when the output is not a TTY, and one last line on stop', () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const p = new ProgressReporter(() => state, out as unknown as NodeJS.WriteStream);
    p.start();
    p.stop();
    p.stop();
    assert.equal(text, `posfault: ${progressText(state)}\n`);
  });

  it('on a TTY rewrites one line with \\r, cut to the width, with no newline until stop()', async () => {
    const writes: string[] = [];
    const tty = { isTTY: true, columns: 60, write: (t: string) => writes.push(t) > 0 } as unknown as NodeJS.WriteStream;
    let sent = 10;
    const p = new ProgressReporter(() => ({ ...state, sent: sent++ }), tty);
    p.start();
    await new Promise((r) => setTimeout(r, 700));
    assert.ok(writes.length >= 2, `rewritten several times: ${writes.length}`);
    for (const w of writes) {
      assert.ok(w.startsWith('\r'), JSON.stringify(w));
      assert.ok(!w.includes('\n'), 'no newline while running');
      assert.equal(w.length, 1 + 59, 'padded and cut to the terminal width less one');
    }
    assert.notEqual(writes[0], writes[1], 'each rewrite shows the state now');
    p.stop();
    const last = writes[writes.length - 1];
    assert.match(last, /^\r.*\n$/);
    assert.equal(last.indexOf('\n'), last.length - 1);
    const count = writes.length;
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(writes.length, count, 'nothing written after stop()');
  });
});

