// `posfault proxy` as a real child process: --config (populate format), --seed, the readiness line, SIGTERM.
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as net from 'node:net';
import * as path from 'node:path';
import { connect, echoPeer, echoRoundTrip, flippedBits, pattern, raw, rawJson, type Peer } from './helpers';

const cli = path.join(__dirname, '..', '..', 'harness', 'cli', 'main.js');

function start(args: string[]): { child: ChildProcess; ready: Promise<string>; exit: Promise<{ code: number | null; stderr: string }> } {
  const child = spawn(process.execPath, [cli, 'proxy', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  const ready = new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) resolve(m[1]);
    });
    child.once('exit', () => reject(new Error(`exited before ready: ${stderr}`)));
  });
  ready.catch(() => undefined);
  const exit = new Promise<{ code: number | null; stderr: string }>((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
  return { child, ready, exit };
}

describe('posfault proxy (CLI)', () => {
  let dir: string;
  let echo: Peer;
  const children: ChildProcess[] = [];
  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'posfault-proxy-'));
    echo = await echoPeer();
  });
  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    await echo.close();
  });

  it('loads --config, serves the API and traffic, and exits 0 on SIGTERM', async () => {
    const config = path.join(dir, 'proxies.json');
    writeFileSync(config, JSON.stringify([{ name: 'term', listen: '127.0.0.1:0', upstream: echo.address }]));
    const run = start(['--port', '0', '--config', config, '--seed', '9']);
    children.push(run.child);
    const url = await run.ready;
    const proxy = (await rawJson(url, 'GET', '/proxies/term')).json as { listen: string; upstream: string };
    assert.equal(proxy.upstream, echo.address);
    const s = await connect(proxy.listen);
    assert.equal((await echoRoundTrip(s, 'via cli')).data.toString(), 'via cli');
    s.destroy();
    run.child.kill('SIGTERM');
    const { code, stderr } = await run.exit;
    assert.equal(code, 0);
    assert.match(stderr, /seed 9/);
  });

  it('refuses a bad config file and bad flags with a clear message (exit 2)', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ name: 'x' }]));
    const r1 = start(['--port', '0', '--config', bad]);
    children.push(r1.child);
    const e1 = await r1.exit;
    assert.equal(e1.code, 2);
    assert.match(e1.stderr, /missing required field: upstream at proxy 1/);
    const r2 = start(['--port', 'eighty']);
    children.push(r2.child);
    const e2 = await r2.exit;
    assert.equal(e2.code, 2);
    assert.match(e2.stderr, /--port needs a port number/);
    const r3 = start(['--config', path.join(dir, 'missing.json'), '--port', '0']);
    children.push(r3.child);
    const e3 = await r3.exit;
    assert.equal(e3.code, 2);
    assert.match(e3.stderr, /cannot read --config .*missing\.json/);
  });

  it('--host binds the API on that address', async () => {
    const run = start(['--host', '127.0.0.2', '--port', '0']);
    children.push(run.child);
    const url = await run.ready;
    assert.match(url, /^http:\/\/127\.0\.0\.2:\d+$/);
    const res = await raw(url, 'GET', '/version');
    assert.equal(res.text, '{"version": "2.12.0"}\n');
    run.child.kill('SIGTERM');
    assert.equal((await run.exit).code, 0);
  });

  it('--seed replays the same line faults, and another seed gives others', async () => {
    const config = path.join(dir, 'seeded.json');
    writeFileSync(config, JSON.stringify([{ name: 'line', listen: '127.0.0.1:0', upstream: echo.address }]));
    const flips = async (seed: string): Promise<number[]> => {
      const run = start(['--port', '0', '--config', config, '--seed', seed]);
      children.push(run.child);
      const url = await run.ready;
      try {
        await rawJson(url, 'POST', '/proxies/line/toxics', { type: 'line_noise', attributes: { ber_ppm: 5000 } });
        const proxy = (await rawJson(url, 'GET', '/proxies/line')).json as { listen: string };
        const s = await connect(proxy.listen);
        const data = pattern(4000);
        const back = (await echoRoundTrip(s, Buffer.from(data))).data;
        s.destroy();
        return flippedBits(data, back);
      } finally {
        run.child.kill('SIGTERM');
        await run.exit;
      }
    };
    const a = await flips('7');
    assert.ok(a.length > 20, `${a.length} bits flipped`);
    assert.deepEqual(await flips('7'), a);
    assert.notDeepEqual(await flips('8'), a);
  });

  it('exits 1 with a message when the API port is taken (Toxiproxy would keep running without an API)', async () => {
    const taken = net.createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    try {
      const run = start(['--port', String((taken.address() as net.AddressInfo).port)]);
      children.push(run.child);
      const { code, stderr } = await run.exit;
      assert.equal(code, 1);
      assert.match(stderr, /cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/);
    } finally {
      taken.close();
    }
  });
});
