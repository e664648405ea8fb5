// A real Prometheus scrapes a running `posfault run` and answers a query for a headline series.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { CLI, scenarioFile } from './run-cli';

const PROMETHEUS = '/usr/bin/prometheus';

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

function stop(p: ChildProcess | undefined): Promise<void> {
  if (!p || p.exitCode !== null || p.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => p.kill('SIGKILL'), 5000);
    p.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    p.kill('SIGTERM');
  });
}

describe('Prometheus scrapes a running posfault run', function () {
  this.timeout(90_000);
  let run: ChildProcess | undefined;
  let prom: ChildProcess | undefined;
  let dir: string;

  before(function () {
    if (!existsSync(PROMETHEUS)) {
      // .ci/run installs the Debian package; a machine without it cannot run this test.
      this.skip();
    }
    dir = mkdtempSync(path.join(tmpdir(), 'posfault-prom-'));
  });

  after(async () => {
    await stop(prom);
    await stop(run);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('returns a posfault_ headline series from its HTTP API', async () => {
    // smoke stretched to ~12 s of load so that Prometheus has time to start and scrape.
    run = spawn(process.execPath, [CLI, 'run', scenarioFile('smoke'), '--scale', '4', '--metrics-port', '0', '--out', path.join(dir, 'out')], {
      env: { ...process.env, POSFAULT_LOG: 'error' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const metricsUrl = await new Promise<string>((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`no metrics URL printed: ${err}`)), 20_000);
      run!.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /metrics on (http:\/\/127\.0\.0\.1:(\d+)\/metrics)/.exec(err);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      run!.once('exit', (code) => reject(new Error(`posfault run exited (${code}) before printing its metrics URL: ${err}`)));
    });
    const target = new URL(metricsUrl).host;
    const promPort = await freePort();
    writeFileSync(
      path.join(dir, 'prometheus.yml'),
      `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n  - job_name: posfault\n    static_configs:\n      - targets: ['${target}']\n`,
    );
    prom = spawn(
      PROMETHEUS,
      [
        `--config.file=${path.join(dir, 'prometheus.yml')}`,
        `--storage.tsdb.path=${path.join(dir, 'tsdb')}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        '--log.level=error',
      ],
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 30_000;
    let found: { metric: Record<string, string>; value: [number, string] }[] = [];
    while (Date.now() < deadline && found.length === 0) {
      await new Promise((r) => setTimeout(r, 1000));
      try {
        const res = await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=posfault_reversals_initiated_total`);
        if (res.ok) {
          const body = (await res.json()) as { status: string; data: { result: typeof found } };
          if (body.status === 'success') found = body.data.result;
        }
      } catch {
        /* Prometheus still starting */
      }
    }
    assert.ok(found.length > 0, 'Prometheus has the posfault_reversals_initiated_total series');
    assert.equal(found[0].metric.job, 'posfault');
    assert.deepEqual(found.map((r) => r.metric.initiator).sort(), ['switch', 'terminal']);
    const up = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=posfault_unprinted_but_debited`)).json()) as {
      data: { result: unknown[] };
    };
    assert.equal(up.data.result.length, 1);
    // Every series the run serves is posfault_-prefixed (the proxy's two byte counters keep Toxiproxy's own names,
    // docs/proxy.md), and no label names a terminal, a STAN or a card: series stay few at any fleet size.
    const all = (await (await fetch(`http://127.0.0.1:${promPort}/api/v1/query?query=${encodeURIComponent('{job="posfault"}')}`)).json()) as {
      data: { result: { metric: Record<string, string> }[] };
    };
    const names = new Set(all.data.result.map((s) => s.metric.__name__));
    assert.ok(names.size > 10, [...names].join(', '));
    const foreign = [...names].filter((n) => !n.startsWith('posfault_') && !/^toxiproxy_proxy_(received|sent)_bytes_total$/.test(n) && !/^(up|scrape_.*)$/.test(n));
    assert.deepEqual(foreign, [], 'series without the posfault_ prefix');
    const labelKeys = new Set(all.data.result.flatMap((s) => Object.keys(s.metric)));
    assert.deepEqual([...labelKeys].filter((k) => /terminal|merchant|card|^(tid|stan|pan|rrn)$/i.test(k)), [], `label keys: ${[...labelKeys].join(', ')}`);
  });
});
