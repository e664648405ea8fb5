// --toxiproxy / TOXIPROXY_URL: the run programs a Toxiproxy server it did not start (here a proxy server started by
// the test, reached only through its HTTP API), puts the scenario's toxics there, and removes its proxies at the end.
import { strict as assert } from 'node:assert';
import { Registry } from 'prom-client';
import { startProxyServer, type RunningProxyServer } from '../../proxies';
import { cleanup, runCli, scenarioFile, type CliRun } from './run-cli';

type ProxyList = Record<string, { name: string; toxics: { type: string }[] }>;

describe('posfault run --toxiproxy: a Toxiproxy server of the user', function () {
  this.timeout(60_000);
  let server: RunningProxyServer | undefined;
  const runs: CliRun[] = [];

  before(async () => {
    server = await startProxyServer({ port: 0, registry: new Registry() });
  });

  after(async () => {
    for (const r of runs) cleanup(r);
    await server?.close();
  });

  async function proxies(): Promise<ProxyList> {
    return (await (await fetch(`${server!.url}/proxies`)).json()) as ProxyList;
  }

  for (const via of ['--toxiproxy', 'TOXIPROXY_URL'] as const) {
    it(`${via}: the run's proxies and its latency toxic live on that server, and are removed at the end`, async () => {
      // A leftover of an earlier run under the same name is replaced, not an error.
      await fetch(`${server!.url}/proxies`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'posfault_terminal_line', listen: '127.0.0.1:0', upstream: '127.0.0.1:9', enabled: true }),
      });
      const seen = new Set<string>();
      let polling = true;
      const poll = (async () => {
        while (polling) {
          try {
            for (const p of Object.values(await proxies())) {
              seen.add(p.name);
              for (const t of p.toxics) seen.add(`${p.name}/${t.type}`);
            }
          } catch {
            /* the server answers between runs only */
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      })();
      const args = ['run', scenarioFile('smoke'), '--out', '$OUT'];
      const run = await runCli(via === '--toxiproxy' ? [...args, '--toxiproxy', server!.url] : args, {
        env: via === 'TOXIPROXY_URL' ? { TOXIPROXY_URL: server!.url } : { TOXIPROXY_URL: '' },
      });
      runs.push(run);
      polling = false;
      await poll;
      assert.equal(run.code, 0, run.stderr);
      assert.ok(run.report);
      assert.equal(run.report.stack.proxy, `Toxiproxy ${server!.url}`);
      assert.ok(seen.has('posfault_terminal_line') && seen.has('posfault_issuer_link'), [...seen].join(', '));
      assert.ok(seen.has('posfault_terminal_line/latency'), `the smoke latency spike was put on this server: ${[...seen].join(', ')}`);
      assert.deepEqual(Object.keys(await proxies()), [], 'the run removed its proxies');
    });
  }
});
