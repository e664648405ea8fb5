// --switch: the fleet drives a switch that is not ours. Here a reference switch started by the test plays the
// "switch under test", routed to an issuer the run does not own: the ledger figures cannot be computed, and the
// run must say so rather than pass.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { generateAccounts, startIssuer, type IssuerHandle } from '../../harness/issuer';
import { startSwitch, terminalRange, type SwitchHandle } from '../../harness/switch';
import { cleanup, runCli, scenarioFile, type CliRun } from './run-cli';

describe('posfault run --switch: a switch under test', function () {
  this.timeout(60_000);
  let dir: string;
  let issuer: IssuerHandle | undefined;
  let sw: SwitchHandle | undefined;
  let run: CliRun | undefined;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'posfault-ext-'));
    // The fleet derives its terminal master keys from "<seed>/tmk"; a switch under test must know the same keys.
    issuer = await startIssuer({ port: 0, journalPath: path.join(dir, 'ledger.jsonl'), accounts: generateAccounts('1/accounts', 200) });
    sw = await startSwitch({
      port: 0,
      issuer: { host: issuer.host, port: issuer.port, timeoutMs: 1000 },
      terminals: terminalRange({ seed: '1/tmk', firstId: 10000001, count: 8, merchantId: () => '898310048160001' }),
      safPath: path.join(dir, 'saf.jsonl'),
      seed: 'external',
    });
  });

  after(async () => {
    cleanup(run);
    await sw?.close();
    await issuer?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs the load through it, and reports the ledger figures as not computed (exit 1)', async () => {
    run = await runCli(['run', scenarioFile('smoke'), '--switch', `${sw!.host}:${sw!.port}`, '--out', '$OUT']);
    assert.equal(run.code, 1, run.stderr);
    const r = run.report;
    assert.ok(r);
    assert.match(r.stack.switch, /under test/);
    assert.ok((r.load.outcomes['approved-with-receipt'] ?? 0) > 0, 'sales went through the external switch');
    const ledgerSlos = r.slos.filter((s) => s.name !== 'p99SaleLatency' && s.name !== 'faultsApplied');
    assert.ok(ledgerSlos.every((s) => s.verdict === 'not-computed'), JSON.stringify(r.slos));
    assert.equal(r.slos.find((s) => s.name === 'p99SaleLatency')?.verdict, 'holds');
    assert.equal(r.slos.find((s) => s.name === 'faultsApplied')?.verdict, 'holds', 'its latency toxic is on our proxy');
    assert.equal(r.figures.ledgerAvailable, false);
    assert.match(run.stdout, /unprinted-but-debited\s+n\/a \(no ledger\)/);
    assert.ok(r.limitations.some((l) => /not ours/.test(l)));
    assert.ok(r.limitations.some((l) => /routes to another issuer/.test(l)));
    assert.ok(issuer!.ledger().length > 0, 'the other issuer got the traffic');
  });
});
