// docker-compose.yml without Docker: no engine runs here, so the test checks what the file wires. It parses; its
// ports agree with prometheus.yml's targets and with the Toxiproxy links; every posfault command line is one the
// CLI accepts; and the same topology, started natively on loopback with free ports in place of the fixed ones and
// posfault's own fault proxy standing in for the Toxiproxy image (same API, same populate file), listens where
// the file says, serves metrics where Prometheus will scrape, and carries connections along both links.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadScenarioFile } from '../../harness/runner/scenario-load';
import { CLI, ROOT, compose, files, flagValue, readJson, scrapeTargets, type ComposeService } from './support';

interface ToxiproxyLink {
  name: string;
  listen: string;
  upstream: string;
  enabled: boolean;
}

const stack = compose();
const svc = (name: string): ComposeService => {
  const s = stack.services[name];
  assert.ok(s, `docker-compose.yml has no service ${name}`);
  return s;
};
const cmd = (name: string): string[] => {
  const c = svc(name).command;
  assert.ok(Array.isArray(c), `${name}: give the command as a list`);
  return c.map(String);
};
const env = (name: string): Record<string, string> => {
  const e = svc(name).environment ?? {};
  return Array.isArray(e) ? Object.fromEntries(e.map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])) : e;
};
const links = readJson<ToxiproxyLink[]>(files.toxiproxyConfig);
const link = (name: string): ToxiproxyLink => {
  const l = links.find((x) => x.name === name);
  assert.ok(l, `no Toxiproxy link ${name} in ${files.toxiproxyConfig}`);
  return l;
};
const portOf = (hostPort: string) => hostPort.slice(hostPort.lastIndexOf(':') + 1);
/** posfault's services: built from this repository's Dockerfile. */
const posfaultServices = Object.entries(stack.services).filter(([name, s]) => s.build !== undefined && name !== 'net').map(([name]) => name);

function mountSource(service: string, containerPath: string): string | undefined {
  for (const v of svc(service).volumes ?? []) {
    const [host, container] = v.split(':');
    if (container === containerPath) return host.replace(/^\.\//, '');
  }
  return undefined;
}

describe('dashboards: docker-compose.yml', () => {
  it('parses, with the images and services of the stack', () => {
    assert.equal(svc('toxiproxy').image, 'ghcr.io/shopify/toxiproxy:2.12.0');
    assert.match(svc('prometheus').image ?? '', /^prom\/prometheus:/);
    assert.match(svc('grafana').image ?? '', /^grafana\/grafana:/);
    assert.match(svc('k6').image ?? '', /^grafana\/k6:/);
    assert.deepEqual(posfaultServices.sort(), ['issuer', 'run', 'switch']);
    for (const name of ['net', ...posfaultServices]) assert.equal(svc(name).image, 'posfault:local', `${name} runs the image this repository builds`);
    assert.match(readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8'), /^ENTRYPOINT \["node", ?"dist\/harness\/cli\/main\.js"\]$/m);
  });

  it('starts everything but k6 by default; k6 runs the scripts under scenarios/k6/', () => {
    for (const [name, s] of Object.entries(stack.services)) if (name !== 'k6') assert.equal(s.profiles, undefined, `${name} has a profile`);
    assert.deepEqual(svc('k6').profiles, ['k6']);
    const mount = (svc('k6').volumes ?? []).find((v) => v.startsWith('./scenarios/k6:'));
    assert.ok(mount, 'k6 mounts ./scenarios/k6');
    const inContainer = mount.split(':')[1];
    assert.ok(cmd('k6').some((a) => a.startsWith(`${inContainer}/`)), 'k6 runs a script from the mounted folder');
  });

  it('puts every service in the namespace of `net`, which publishes the ports users reach', () => {
    for (const [name, s] of Object.entries(stack.services)) if (name !== 'net') assert.equal(s.network_mode, 'service:net', name);
    const published = (svc('net').ports ?? []).map((p) => p.split(':').pop());
    const grafanaPort = env('grafana').GF_SERVER_HTTP_PORT ?? '3000';
    const prometheusPort = portOf(flagValue(cmd('prometheus'), '--web.listen-address') ?? ':9090');
    for (const p of [grafanaPort, prometheusPort, flagValue(cmd('toxiproxy'), '-port'), portOf(link('terminal_line').listen)]) assert.ok(published.includes(p), `port ${p} is not published`);
  });

  it('scrapes, in prometheus.yml, exactly the ports the services serve metrics on', () => {
    const expected = new Map([
      ['posfault-run', [`127.0.0.1:${flagValue(cmd('run'), '--metrics-port')}`]],
      ['posfault-switch', [`127.0.0.1:${flagValue(cmd('switch'), '--metrics-port')}`]],
      ['posfault-issuer', [`127.0.0.1:${flagValue(cmd('issuer'), '--control-port')}`]],
      ['toxiproxy', [`127.0.0.1:${flagValue(cmd('toxiproxy'), '-port')}`]],
    ]);
    for (const [job, targets] of expected) for (const t of targets) assert.match(t, /^127\.0\.0\.1:\d+$/, `${job}: no port in docker-compose.yml`);
    assert.deepEqual(scrapeTargets(), expected);
    assert.ok(cmd('toxiproxy').includes('-proxy-metrics'), 'Toxiproxy exports its byte counters only with -proxy-metrics');
    const configFile = flagValue(cmd('prometheus'), '--config.file')!;
    assert.equal(mountSource('prometheus', path.posix.dirname(configFile)), 'dashboards/prometheus');
    assert.equal(path.posix.basename(configFile), path.basename(files.prometheus));
  });

  it('wires terminals -> Toxiproxy -> switch -> Toxiproxy -> issuer', () => {
    const configFile = flagValue(cmd('toxiproxy'), '-config')!;
    assert.equal(mountSource('toxiproxy', configFile), 'dashboards/toxiproxy/proxies.json');
    const sw = cmd('switch');
    const iss = cmd('issuer');
    assert.equal(link('terminal_line').upstream, `${flagValue(sw, '--host')}:${flagValue(sw, '--port')}`);
    assert.equal(flagValue(sw, '--issuer'), link('issuer_link').listen);
    assert.equal(link('issuer_link').upstream, `${flagValue(iss, '--host')}:${flagValue(iss, '--port')}`);
    assert.ok(links.every((l) => l.enabled));
    assert.equal(env('run').TOXIPROXY_URL, `http://127.0.0.1:${flagValue(cmd('toxiproxy'), '-port')}`);
  });

  it('gives each posfault service a command line the CLI accepts', () => {
    for (const name of posfaultServices) {
      const argv = cmd(name);
      const ok = spawnSync(process.execPath, [CLI, ...argv, '--help'], { encoding: 'utf8', timeout: 15_000 });
      assert.equal(ok.status, 0, `${name}: posfault ${argv.join(' ')} --help\n${ok.stderr}`);
      assert.match(ok.stdout, new RegExp(`usage: posfault ${argv[0]}`));
      // The control: the same line with an option the CLI does not know is refused, so the check above has teeth.
      const bad = spawnSync(process.execPath, [CLI, ...argv, '--no-such-option', '--help'], { encoding: 'utf8', timeout: 15_000 });
      assert.equal(bad.status, 2, `${name}: an unknown option was accepted`);
    }
    const scenario = cmd('run')[1];
    const mounted = mountSource('run', `/app/${path.posix.dirname(scenario)}`);
    assert.equal(mounted, 'scenarios');
    assert.doesNotThrow(() => loadScenarioFile(path.join(ROOT, scenario)));
  });
});

// ---------------------------------------------------------------------------------------------------------------
// The same topology, natively.

function freePorts(n: number): Promise<number[]> {
  const servers = Array.from({ length: n }, () => net.createServer());
  return Promise.all(servers.map((s) => new Promise<number>((resolve, reject) => {
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => resolve((s.address() as net.AddressInfo).port));
  }))).then(async (ports) => {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    return ports;
  });
}

function get(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { timeout: 3000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
  });
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Proc {
  name: string;
  child: ChildProcess;
  output: string;
  exited: Promise<number | null>;
}

function start(name: string, args: string[], opts: { cwd: string; env?: Record<string, string> }): Proc {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const p: Proc = { name, child, output: '', exited: new Promise((resolve) => child.once('exit', (code) => resolve(code))) };
  child.stdout!.on('data', (d: Buffer) => { p.output += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { p.output += d.toString(); });
  return p;
}

async function stop(p: Proc): Promise<void> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 5000);
  await p.exited;
  clearTimeout(timer);
}

async function metric(url: string, pattern: RegExp): Promise<string | undefined> {
  const r = await get(url);
  return r.status === 200 && pattern.test(r.body) ? r.body : undefined;
}

/** The options whose values are ports (or host:port) in the services' command lines. */
const PORT_OPTIONS = ['--port', '--control-port', '--metrics-port', '--issuer', '-port'];

describe('dashboards: docker-compose.yml topology, natively', function () {
  this.timeout(45_000);
  const procs: Proc[] = [];
  const sockets: net.Socket[] = [];
  const port = new Map<string, string>();
  let dir: string;

  /** A host:port or port of the compose file with the fixed port swapped for a free one (and 0.0.0.0 for loopback). */
  const local = (hostPort: string): string => {
    const m = /^(?:(.*):)?(\d+)$/.exec(hostPort);
    if (!m || !port.has(m[2])) return hostPort;
    return m[1] === undefined ? port.get(m[2])! : `${m[1] === '0.0.0.0' ? '127.0.0.1' : m[1]}:${port.get(m[2])}`;
  };
  /** A compose command line with the values of its port options made local, and /data/ a temporary folder. */
  const localArgs = (argv: string[]): string[] =>
    argv.map((a, i) => {
      if (i > 0 && PORT_OPTIONS.includes(argv[i - 1])) return local(a);
      const go = /^(-port=)(\d+)$/.exec(a);
      if (go) return `${go[1]}${local(go[2])}`;
      return a.startsWith('/data/') ? path.join(dir, a.slice('/data/'.length)) : a;
    });
  const where = (hostPort: string) => `http://${local(hostPort)}`;

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'posfault-compose-'));
    const fixed = new Set<string>();
    for (const name of [...posfaultServices, 'toxiproxy']) {
      const argv = cmd(name);
      for (const opt of PORT_OPTIONS) {
        const v = flagValue(argv, opt);
        if (v !== undefined) fixed.add(portOf(v));
      }
    }
    for (const l of links) for (const a of [l.listen, l.upstream]) fixed.add(portOf(a));
    const free = await freePorts(fixed.size);
    [...fixed].forEach((p, i) => port.set(p, String(free[i])));

    // The Toxiproxy image, played by posfault's fault proxy: the same populate file, the same API and metrics port.
    writeFileSync(path.join(dir, 'proxies.json'), JSON.stringify(links.map((l) => ({ ...l, listen: local(l.listen), upstream: local(l.upstream) }))));
    const tp = cmd('toxiproxy');
    const proxy = start('proxy', ['proxy', '--host', '127.0.0.1', '--port', local(flagValue(tp, '-port')!), '--config', path.join(dir, 'proxies.json')], { cwd: dir });
    procs.push(proxy);
    const issuer = start('issuer', localArgs(cmd('issuer')), { cwd: dir });
    procs.push(issuer);
    await until('the issuer', async () => (/issuer listening on/.test(issuer.output) ? true : issuer.child.exitCode !== null ? Promise.reject(new Error(issuer.output)) : undefined), 15_000);
    await until('the proxy', async () => (/listening on/.test(proxy.output) ? true : proxy.child.exitCode !== null ? Promise.reject(new Error(proxy.output)) : undefined), 15_000);
    const sw = start('switch', localArgs(cmd('switch')), { cwd: dir });
    procs.push(sw);
    await until('the switch', async () => (/posfault switch: listening on/.test(sw.output) ? true : sw.child.exitCode !== null ? Promise.reject(new Error(sw.output)) : undefined), 15_000);
  });

  after(async () => {
    for (const s of sockets) s.destroy();
    for (const p of procs.reverse()) await stop(p);
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves metrics on every scrape target of prometheus.yml but the run\'s', async () => {
    const expect: Record<string, RegExp> = {
      'posfault-switch': /^posfault_switch_lines_in_use 0$/m,
      'posfault-issuer': /^# TYPE posfault_issuer_requests_total counter$/m,
      toxiproxy: /^# TYPE toxiproxy_proxy_sent_bytes_total counter$/m,
    };
    for (const [job, targets] of scrapeTargets()) {
      if (job === 'posfault-run') continue;
      const r = await get(`${where(targets[0])}/metrics`);
      assert.equal(r.status, 200, `${job} at ${where(targets[0])}`);
      assert.match(r.body, expect[job], job);
    }
  });

  it('carries a terminal connection through terminal_line to the switch', async () => {
    const s = net.connect({ host: '127.0.0.1', port: Number(local(portOf(link('terminal_line').listen))) });
    sockets.push(s);
    const switchMetrics = `${where(scrapeTargets().get('posfault-switch')![0])}/metrics`;
    await until('a line in use on the switch', () => metric(switchMetrics, /^posfault_switch_lines_in_use 1$/m), 10_000);
  });

  it('carries a connection through issuer_link (the switch\'s --issuer) to the issuer', async () => {
    const s = net.connect({ host: '127.0.0.1', port: Number(local(portOf(flagValue(cmd('switch'), '--issuer')!))) });
    sockets.push(s);
    const issuerMetrics = `${where(scrapeTargets().get('posfault-issuer')![0])}/metrics`;
    await until('a connection on the issuer', () => metric(issuerMetrics, /^posfault_issuer_connections 1$/m), 10_000);
  });

  it('runs the `run` service\'s scenario through TOXIPROXY_URL and serves its figures where Prometheus scrapes', async () => {
    const argv = localArgs(cmd('run'));
    argv[1] = path.join(ROOT, argv[1]);
    const run = start('run', [...argv, '--out', path.join(dir, 'out')], { cwd: dir, env: { TOXIPROXY_URL: `http://${local(new URL(env('run').TOXIPROXY_URL).host)}` } });
    procs.push(run);
    const runMetrics = `${where(scrapeTargets().get('posfault-run')![0])}/metrics`;
    const text = await until('the run\'s metrics', () => metric(runMetrics, /^posfault_reversal_success_ratio /m), 20_000);
    for (const name of ['posfault_unprinted_but_debited', 'posfault_duplicate_charge_intents', 'posfault_sale_latency_seconds_bucket', 'posfault_intent_outcomes_total']) {
      assert.match(text, new RegExp(`^# TYPE ${name.replace(/_bucket$/, '')} `, 'm'));
    }
    const code = await run.exited;
    assert.ok(code === 0 || code === 1, `the run could not start (exit ${String(code)}):\n${run.output}`);
    // The run put its terminal line through the proxy at TOXIPROXY_URL, not a built-in one.
    const proxyMetrics = await get(`${where(scrapeTargets().get('toxiproxy')![0])}/metrics`);
    assert.match(proxyMetrics.body, /toxiproxy_proxy_sent_bytes_total\{[^}]*proxy="posfault_terminal_line"[^}]*\} [1-9]/);
  });
});
