// `posfault run` as a user meets it: exit codes, bad scenarios reported before anything starts, files written.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { AttemptRecord } from '../../harness/reconcile/records';
import { cleanup, runCli, scenarioFile, type CliRun } from './run-cli';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

describe('posfault run: the command line', function () {
  this.timeout(120_000);
  const runs: CliRun[] = [];
  let dir: string;
  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'posfault-cli-'));
  });
  after(() => {
    for (const r of runs) cleanup(r);
    rmSync(dir, { recursive: true, force: true });
  });
  const track = (r: CliRun) => {
    runs.push(r);
    return r;
  };

  it('exits 2 on a bad scenario, naming each mistake with its path and line, before starting anything', async () => {
    const file = path.join(dir, 'bad.yaml');
    writeFileSync(file, 'name: bad\nseed: 1\nduration: 1s\nfleet:\n  terminals: 2\n  modee: long\nload: { rate: 5 }\nslos: { duplicateCharges: { max: -1 } }\nfaults:\n  - { kind: toxic, link: terminal, type: latency, attributes: { latncy: 100 }, at: 1s }\n');
    const r = track(await runCli(['run', file, '--out', '$OUT']));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /fleet \(line 6\): unknown key "modee"/);
    assert.match(r.stderr, /slos\.duplicateCharges\.max \(line 8\)/);
    // A misspelt toxic attribute, which a real Toxiproxy would ignore, is reported with the schema's mistakes.
    assert.match(r.stderr, /faults\[0\]\.attributes\.latncy \(line 10\): unknown attribute "latncy" for toxic latency/);
    assert.equal(r.report, undefined, 'nothing ran');
  });

  it('exits 2 on a missing file and on bad options', async () => {
    const missing = track(await runCli(['run', path.join(dir, 'nope.yaml')]));
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read the file/);
    const badOpt = track(await runCli(['run', scenarioFile('smoke'), '--switch', 'no-port']));
    assert.equal(badOpt.code, 2);
    assert.match(badOpt.stderr, /--switch expects host:port/);
    const unknown = track(await runCli(['run', scenarioFile('smoke'), '--colour']));
    assert.equal(unknown.code, 2);
  });

  it('exits 2 when the stack cannot start (a Toxiproxy URL nobody answers)', async () => {
    const port = await freePort();
    const r = track(await runCli(['run', scenarioFile('smoke'), '--out', '$OUT'], { env: { TOXIPROXY_URL: `http://127.0.0.1:${port}` } }));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /could not start the stack/);
  });

  it('on SIGINT stops the load, still reconciles and writes the report', async () => {
    let sent = false;
    const started = Date.now();
    const r = track(
      await runCli(['run', scenarioFile('demo'), '--out', '$OUT'], {
        onStderr: (chunk, child) => {
          if (!sent && /sent \d+/.test(chunk)) {
            sent = true;
            child.kill('SIGINT');
          }
        },
      }),
    );
    assert.ok(sent, 'the run printed progress');
    assert.ok(Date.now() - started < 30_000, 'stopped well before the minute of load');
    assert.ok(r.code === 0 || r.code === 1, `exit ${r.code}: ${r.stderr.slice(-300)}`);
    assert.ok(r.report);
    assert.ok(r.report.warnings.some((w) => /interrupted/.test(w)));
    assert.ok(Object.values(r.report.load.sent).reduce((a, b) => a + b, 0) < r.report.plan.intents);
  });

  it('runs smoke: summary on stdout, report.json and JUnit (one testcase per SLO), --seed overrides the file, /metrics on by default', async () => {
    const junit = path.join(dir, 'ci', 'smoke.xml');
    const r = track(await runCli(['run', scenarioFile('smoke'), '--out', '$OUT', '--junit', junit, '--seed', '99'], { metricsDefault: true }));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /reversal success rate/);
    assert.match(r.stdout, /verdict: PASS/);
    assert.ok(r.report);
    assert.equal(r.report.scenario.seed, '99');
    // The scenario's five SLOs, and the fault schedule as a check of its own.
    assert.deepEqual(r.report.slos.map((s) => s.name), ['reversalSuccessRate', 'unprintedButDebited', 'duplicateCharges', 'printedButNotDebited', 'p99SaleLatency', 'faultsApplied']);
    const xml = readFileSync(junit, 'utf8');
    assert.equal((xml.match(/<testcase /g) ?? []).length, 6);
    assert.equal((xml.match(/<failure /g) ?? []).length, 0);
    assert.match(r.stderr, /posfault: .*sent \d+\/\d+/, 'plain progress lines when stderr is not a TTY');
    // Live metrics without asking: the default port, or a free one if another run holds it.
    assert.match(r.stderr, /posfault: metrics on http:\/\/127\.0\.0\.1:\d+\/metrics/);
    assert.match(r.report.stack.metrics ?? '', /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    for (const f of ['ledger.jsonl', 'attempts.jsonl', 'receipts.jsonl']) readFileSync(path.join(r.outDir, 'records', f));
    seed99.push(r);
  });

  const seed99: CliRun[] = [];
  /** The intents a run actually played: the first attempt of each sale and inquiry (voids depend on outcomes). */
  const played = (r: CliRun) =>
    readFileSync(path.join(r.outDir, 'records', 'attempts.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => JSON.parse(l) as AttemptRecord)
      .filter((a) => a.attempt === 1 && (a.kind === 'sale' || a.kind === 'inquiry'))
      .map((a) => `${a.intentId} ${a.kind} t${a.terminalIndex} ${a.cardRef} ${a.amount}`)
      .sort();

  it('the same seed plays the same fault schedule and the same intents; another seed does not; no metrics with --no-metrics', async () => {
    const again = track(await runCli(['run', scenarioFile('smoke'), '--out', '$OUT', '--seed', '99', '--no-metrics']));
    const other = track(await runCli(['run', scenarioFile('smoke'), '--out', '$OUT', '--seed', '100']));
    const first = seed99[0];
    assert.ok(first?.report && again.report && other.report, 'three reports');
    assert.doesNotMatch(again.stderr, /metrics on/);
    assert.equal(again.report.stack.metrics, undefined);
    assert.deepEqual(again.report.plan.faults, first.report.plan.faults);
    const a = played(first);
    assert.ok(a.length > 20, `intents played: ${a.length}`);
    assert.deepEqual(played(again), a);
    assert.notDeepEqual(played(other), a);
  });
});
