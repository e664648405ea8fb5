// The switch's Prometheus metrics after real traffic, and `posfault switch` as a process.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync } from 'node:child_process';
import * as http from 'node:http';
import * as path from 'node:path';
import { Registry } from 'prom-client';
import { Stack, until } from './support/stack';
import { terminalCodec } from './support/test-terminal';

const CLI = path.join(__dirname, '..', '..', 'harness', 'cli', 'main.js');

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(url, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('switch: metrics', () => {
  let stack: Stack;
  afterEach(async () => { await stack.close(); });

  it('counts requests and responses by MTI and code, lines, SAF depth and retries, latency', async () => {
    const registry = new Registry();
    stack = await Stack.start({ switch: { registry }, timeoutMs: 150 });
    const { t, line } = await stack.signedOn(0);
    assert.equal((await stack.sale(t, line, stack.card(false), 100)).reply?.message.fields[39], '00');
    const bad = t.saleRequest(stack.card(false), 100);
    assert.equal((await line.exchange(bad, t.pack(bad, Buffer.alloc(16, 9))))?.message.fields[39], 'A0');
    stack.issuer.setLatency({ kind: 'fixed', ms: 400 });
    assert.equal((await stack.sale(t, line, stack.card(false), 100)).reply?.message.fields[39], '98');
    assert.ok(await until(() => (stack.sw.safRecords()[0]?.tries ?? 0) >= 2));
    const text = await registry.metrics();
    stack.issuer.setLatency(null);
    assert.match(text, /posfault_switch_requests_total\{mti="0200"\} 3/);
    assert.match(text, /posfault_switch_requests_total\{mti="0800"\} 1/);
    assert.match(text, /posfault_switch_responses_total\{mti="0210",code="00"\} 1/);
    assert.match(text, /posfault_switch_responses_total\{mti="0210",code="A0"\} 1/);
    assert.match(text, /posfault_switch_responses_total\{mti="0210",code="98"\} 1/);
    assert.match(text, /posfault_switch_lines_in_use 1/);
    assert.match(text, /posfault_switch_in_flight 0/);
    assert.match(text, /posfault_switch_saf_queue_depth 1/);
    assert.match(text, /posfault_switch_saf_retries_total [1-9]/);
    assert.match(text, /posfault_switch_issuer_timeouts_total [2-9]/);
    assert.match(text, /posfault_switch_request_duration_seconds_count\{mti="0200"\} 3/);
    assert.match(text, /posfault_switch_issuer_duration_seconds_count 1/);
  });

  it('in_flight is at least 1 during a slow issuer request; drops, issuer requests and SAF acknowledgements are counted', async () => {
    const registry = new Registry();
    stack = await Stack.start({ switch: { registry }, timeoutMs: 250 });
    const value = async (name: string, labels: Record<string, string> = {}) => {
      const m = await registry.getSingleMetric(name)!.get();
      return m.values.filter((v) => Object.entries(labels).every(([k, x]) => v.labels[k] === x)).reduce((sum, v) => sum + v.value, 0);
    };
    const { t, line } = await stack.signedOn(0);
    line.send(terminalCodec.pack({ mti: '0210', fields: { 11: '000999', 39: '00', 41: t.terminalId, 42: t.merchantId } }));
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(await value('posfault_switch_dropped_total', { reason: 'not-a-request' }), 1);
    assert.equal(await value('posfault_switch_issuer_requests_total'), 0, 'nothing forwarded yet');

    stack.issuer.setLatency({ kind: 'fixed', ms: 600 });
    const pending = stack.sale(t, line, stack.card(false), 100);
    await new Promise((r) => setTimeout(r, 80));
    assert.ok(await value('posfault_switch_in_flight') >= 1, 'the sale is in flight at the switch');
    stack.issuer.setLatency(null); // the 0420 after the timeout is answered at once, ahead of the held sale
    assert.equal((await pending).reply?.message.fields[39], '98');
    assert.ok(await until(() => stack.sw.safRecords()[0]?.status === 'acknowledged'));
    assert.equal(await value('posfault_switch_issuer_requests_total', { mti: '0200' }), 1);
    assert.equal(await value('posfault_switch_issuer_requests_total', { mti: '0420' }), 1);
    assert.equal(await value('posfault_switch_saf_acknowledged_total'), 1);
    assert.equal(await value('posfault_switch_saf_queue_depth'), 0);
    assert.equal(await value('posfault_switch_in_flight'), 0);
  });
});

describe('posfault switch (CLI)', () => {
  it('prints usage with --help and exits 2 on bad options', () => {
    const help = spawnSync(process.execPath, [CLI, 'switch', '--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout.toString(), /--no-duplicate-detection/);
    const missing = spawnSync(process.execPath, [CLI, 'switch']);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr.toString(), /--issuer HOST:PORT is required/);
    const badRange = spawnSync(process.execPath, [CLI, 'switch', '--issuer', '127.0.0.1:9', '--terminals', 'x']);
    assert.equal(badRange.status, 2);
    assert.match(badRange.stderr.toString(), /--terminals needs FIRST:COUNT/);
    const unknown = spawnSync(process.execPath, [CLI, 'switch', '--issuer', '127.0.0.1:9', '--bogus']);
    assert.equal(unknown.status, 2);
  });

  it('runs until SIGTERM: ready line on stdout, metrics over HTTP, safeguards from flags, exit 0', async () => {
    const stack = await Stack.start();
    try {
      const child = spawn(process.execPath, [CLI, 'switch', '--port', '0', '--issuer', `127.0.0.1:${stack.issuer.port}`, '--seed', 'switch-test',
        '--saf', path.join(stack.dir, 'cli-saf.jsonl'), '--metrics-port', '0', '--no-mac', '--no-saf'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      assert.ok(await until(() => /metrics (\S+)/.test(out), 10_000), `no ready line: ${out}`);
      assert.match(out, /safeguards off: macVerification,storeAndForward/);
      const metrics = await get(/metrics (\S+)/.exec(out)![1]);
      assert.match(metrics, /posfault_switch_lines_in_use 0/);
      const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      assert.equal(await exit, 0);
    } finally {
      await stack.close();
    }
  });
});
