// `posfault run` as a user meets it: exit codes, bad scenarios reported before anything starts, files written.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildPlan } from '../../harness/runner/plan';
import { loadScenarioFile } from '../../harness/runner/scenario-load';
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
    writeFileSync(file, 'name: bad\nseed: 1\nduration: 1s\nfleet:\n  terminals: 2\n  modee: long\nload: { rate: 5 }\nslos: { duplicateCharges: { max: -1 } }\n');
    const r = track(await runCli(['run', file, '--out', '$OUT']));
    assert.equal(r.code, 2);
    assert.match(r.stderr, /fleet \(line 6\): unknown key "modee"/);
    assert.match(r.stderr, /slos\.duplicateCharges\.max \(line 8\)/);
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

  it('runs smoke: summary on stdout, report.json and JUnit (one testcase per SLO), --seed overrides the file', async () => {
    const junit = path.join(dir, 'ci', 'smoke.xml');
    const r = track(await runCli(['run', scenarioFile('smoke'), '--out', '$OUT', '--junit', junit, '--seed', '99']));
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /reversal success rate/);
    assert.match(r.stdout, /verdict: PASS/);
    assert.ok(r.report);
    assert.equal(r.report.scenario.seed, '99');
    assert.equal(r.report.slos.length, 5);
    const xml = readFileSync(junit, 'utf8');
    assert.equal((xml.match(/<testcase /g) ?? []).length, 5);
    assert.equal((xml.match(/<failure /g) ?? []).length, 0);
    assert.match(r.stderr, /posfault: .*sent \d+\/\d+/, 'plain progress lines when stderr is not a TTY');
    for (const f of ['ledger.jsonl', 'attempts.jsonl', 'receipts.jsonl']) readFileSync(path.join(r.outDir, 'records', f));
    // The plan the run played is the one the seed fixes.
    const played = JSON.parse(readFileSync(path.join(r.outDir, 'plan.json'), 'utf8')) as unknown;
    assert.deepEqual(played, JSON.parse(JSON.stringify(buildPlan(loadScenarioFile(scenarioFile('smoke')), { seed: '99' }))));
  });
});
