// `posfault run` with a fleet of two groups (scenarios/mixed-fleet.yaml): a dial-up bakery and a supermarket on
// long connections, each with its merchant. The built-in switch must know both ranges and both merchants; the
// dial-up group must call once per transaction, the long group must not; each group keeps its own printers.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { AttemptRecord, LedgerEntry, ReceiptRecord } from '../../harness/reconcile/records';
import { cleanup, runCli, scenarioFile, type CliRun } from './run-cli';

const jsonl = <T>(file: string): T[] =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);

const BAKERY = { ids: (id: string) => id >= '30000001' && id <= '30000003', merchant: '898310058120001', terminals: 3 };
const MARKET = { ids: (id: string) => id >= '30000101' && id <= '30000105', merchant: '898310054110002', terminals: 5 };

describe('posfault run: a fleet of two groups (dial-up and long, two merchants)', function () {
  this.timeout(120_000);
  let run: CliRun | undefined;
  let bad: CliRun | undefined;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'posfault-groups-'));
    run = await runCli(['run', scenarioFile('mixed-fleet'), '--out', '$OUT', '--no-metrics']);
  });
  after(() => {
    cleanup(run);
    cleanup(bad);
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes, with approved sales from terminals of both groups, each under its own merchant at the issuer', () => {
    assert.ok(run?.report, run?.stderr);
    assert.equal(run.code, 0, run.stdout + run.stderr);
    const attempts = jsonl<AttemptRecord>(path.join(run.outDir, 'records', 'attempts.jsonl'));
    const approved = attempts.filter((a) => a.result === 'approved');
    const bakery = approved.filter((a) => BAKERY.ids(a.terminalId));
    const market = approved.filter((a) => MARKET.ids(a.terminalId));
    assert.ok(bakery.length > 0 && market.length > 0, `approved: bakery ${bakery.length}, supermarket ${market.length}`);
    assert.equal(bakery.length + market.length, approved.length, 'no terminal outside the two ranges');
    assert.ok(bakery.every((a) => a.merchantId === BAKERY.merchant) && market.every((a) => a.merchantId === MARKET.merchant));
    // What the issuer booked came through the switch with each group's merchant.
    const ledger = jsonl<LedgerEntry>(path.join(run.outDir, 'records', 'ledger.jsonl')).filter((e) => e.type === 'debit');
    assert.ok(ledger.some((e) => BAKERY.ids(e.terminalId) && e.merchantId === BAKERY.merchant));
    assert.ok(ledger.some((e) => MARKET.ids(e.terminalId) && e.merchantId === MARKET.merchant));
  });

  it('the dial-up group calls once per transaction (and per sign-on); the long group dials once per terminal', () => {
    assert.ok(run?.report);
    const attempts = jsonl<AttemptRecord>(path.join(run.outDir, 'records', 'attempts.jsonl'));
    const bakeryCalls = attempts.filter((a) => BAKERY.ids(a.terminalId)).length;
    const marketAttempts = attempts.filter((a) => MARKET.ids(a.terminalId)).length;
    const fleet = run.report.faultEffects.fleet;
    // Redials after a failed call and reversal calls are extra dials; a healthy run has few or none.
    const extra = Object.values(fleet.dialFailures).reduce((a, b) => a + b, 0) + attempts.reduce((n, a) => n + (a.reversal?.tries ?? 0), 0);
    const expected = BAKERY.terminals + bakeryCalls + MARKET.terminals;
    assert.ok(marketAttempts > MARKET.terminals + extra, `enough supermarket sales to tell the modes apart: ${marketAttempts}`);
    assert.ok(fleet.dials >= expected && fleet.dials <= expected + extra, `dials ${fleet.dials}, expected ${expected} (+ up to ${extra})`);
  });

  it("each group keeps its printers: the journal sink holds the bakery's receipts only, the supermarket printed on virtual printers", () => {
    assert.ok(run?.report);
    const journal = jsonl<ReceiptRecord>(path.join(run.outDir, 'state', 'receipts.jsonl'));
    const all = jsonl<ReceiptRecord>(path.join(run.outDir, 'records', 'receipts.jsonl'));
    assert.ok(journal.length > 0 && journal.every((r) => BAKERY.ids(r.terminalId)), `journal: ${journal.map((r) => r.terminalId).join(',')}`);
    assert.ok(all.some((r) => MARKET.ids(r.terminalId) && r.printed === 'printed'));
  });

  it('exits 2 on a bad groups file, every mistake with its path and line, before starting anything', async () => {
    const file = path.join(dir, 'bad-groups.yaml');
    writeFileSync(
      file,
      [
        'name: bad-groups',
        'seed: 1',
        'duration: 1s',
        'fleet:',
        '  mode: dialup',
        '  groups:',
        '    - { firstId: "30000001", terminals: 3, mode: dialup }',
        '    - { firstId: "30000003", terminals: 2, merchant: "x" }',
        '    - { firstId: "99999999", terminals: 2 }',
        'load: { rate: 5 }',
        'slos: {}',
        '',
      ].join('\n'),
    );
    bad = await runCli(['run', file, '--out', '$OUT']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /fleet\.mode \(line 5\): "mode" is the one-range form/);
    assert.match(bad.stderr, /fleet\.groups\[1\] \(line 8\): unknown key "merchant"/);
    assert.match(bad.stderr, /fleet\.groups\[1\]\.firstId \(line 8\): ids 30000003-30000003 are also in fleet\.groups\[0\]/);
    assert.match(bad.stderr, /fleet\.groups\[2\]\.firstId \(line 9\): 2 terminals from 99999999 run past 99999999/);
    assert.equal(bad.report, undefined, 'nothing ran');
  });
});
