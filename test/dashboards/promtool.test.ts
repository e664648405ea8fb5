// Prometheus's own checker on the scrape config and the rules, and the rules' unit tests (rules.test.yml), run
// with the real promtool (Debian's prometheus package; .ci/run installs it). Also: every dashboard query parses as
// PromQL, checked by promtool through a throwaway rules file.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { stringify } from 'yaml';
import { dashboardQueries, files, readJson, type Dashboard } from './support';

function promtool(...args: string[]): { status: number | null; out: string } {
  const r = spawnSync('promtool', args, { encoding: 'utf8', timeout: 30_000 });
  if (r.error) throw new Error(`promtool could not be run (${r.error.message}): install Debian's prometheus package`);
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('dashboards: promtool', () => {
  it('accepts prometheus.yml (and the rule file it names)', () => {
    const r = promtool('check', 'config', files.prometheus);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /SUCCESS: 1 rule files found/);
  });

  it('accepts rules.yml', () => {
    const r = promtool('check', 'rules', files.rules);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /SUCCESS: \d+ rules found/);
  });

  it('passes the rules unit tests (rules.test.yml)', () => {
    const r = promtool('test', 'rules', files.rulesTest);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, /SUCCESS/);
  });

  it('fails a rules unit test whose expectation is wrong (the test above can fail)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'posfault-promtool-'));
    try {
      writeFileSync(
        path.join(dir, 'wrong.test.yml'),
        stringify({
          rule_files: [files.rules],
          evaluation_interval: '1m',
          tests: [
            {
              interval: '1m',
              input_series: [{ series: 'posfault_unprinted_but_debited{job="posfault-run",instance="x"}', values: '0 1 1 1' }],
              alert_rule_test: [{ alertname: 'PosfaultUnprintedButDebited', eval_time: '3m', exp_alerts: [] }],
            },
          ],
        }),
      );
      const r = promtool('test', 'rules', path.join(dir, 'wrong.test.yml'));
      assert.notEqual(r.status, 0, r.out);
      assert.match(r.out, /PosfaultUnprintedButDebited/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('parses every dashboard query as PromQL', () => {
    const queries = files.dashboards.flatMap((f) => dashboardQueries(readJson<Dashboard>(f)));
    assert.ok(queries.length > 30, `only ${queries.length} queries found`);
    const dir = mkdtempSync(path.join(tmpdir(), 'posfault-promql-'));
    try {
      const file = path.join(dir, 'dashboard-queries.yml');
      writeFileSync(file, stringify({ groups: [{ name: 'dashboards', rules: queries.map((q, i) => ({ record: `dashboard:query:${i}`, expr: q.expr })) }] }));
      const r = promtool('check', 'rules', file);
      assert.equal(r.status, 0, r.out);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
