// The fault applier against the real built-in proxy, programmed only through toxiproxy-node-client.
import { strict as assert } from 'node:assert';
import { Registry } from 'prom-client';
import { Toxiproxy, type Proxy } from 'toxiproxy-node-client';
import { startProxyServer, type RunningProxyServer } from '../../proxies';
import { FaultApplier, describeFault } from '../../harness/runner/faults';
import type { PlannedFault } from '../../harness/runner/plan';
import { masked } from '../../harness/runner/trails';

describe('fault applier: toxics and links through the Toxiproxy API', () => {
  let server: RunningProxyServer;
  let proxies: Record<'terminal' | 'issuer', Proxy>;
  const warnings: string[] = [];
  const changes: string[] = [];
  let applier: FaultApplier;

  beforeEach(async () => {
    warnings.length = 0;
    changes.length = 0;
    server = await startProxyServer({ port: 0, registry: new Registry() });
    const tp = new Toxiproxy(server.url);
    proxies = {
      terminal: await tp.createProxy({ name: 't', listen: '127.0.0.1:0', upstream: '127.0.0.1:9', enabled: true }),
      issuer: await tp.createProxy({ name: 'i', listen: '127.0.0.1:0', upstream: '127.0.0.1:9', enabled: true }),
    };
    applier = new FaultApplier({
      proxies,
      safeguards: {},
      fleet: { resetStan: () => undefined },
      terminalId: (i) => String(10000001 + i),
      printer: () => undefined,
      warn: (m) => warnings.push(m),
      onChange: (f, on) => changes.push(`${f.id}:${on}`),
    });
  });

  afterEach(async () => {
    await server.close();
  });

  const toxic = (over: Partial<PlannedFault> = {}): PlannedFault =>
    ({ kind: 'toxic', link: 'terminal', type: 'latency', stream: 'downstream', toxicity: 1, attributes: { latency: 100 }, at: 0, id: 'f1', start: 0, end: 100, ...over }) as PlannedFault;

  it('adds a toxic for the window and removes it after', async () => {
    const f = toxic();
    await applier.start(f);
    let shown = await (await fetch(`${server.url}/proxies/t/toxics`)).json() as { name: string; attributes: { latency: number } }[];
    assert.deepEqual(shown.map((t) => t.name), ['f1']);
    assert.equal(shown[0].attributes.latency, 100);
    assert.deepEqual(applier.inForce().map(describeFault), ['latency on the terminal line (downstream)']);
    await applier.stop(f);
    shown = await (await fetch(`${server.url}/proxies/t/toxics`)).json() as typeof shown;
    assert.deepEqual(shown, []);
    assert.deepEqual(changes, ['f1:true', 'f1:false']);
    assert.deepEqual(warnings, []);
  });

  it('takes a link down and up, counting overlapping windows', async () => {
    const a = { kind: 'down', link: 'issuer', at: 0, id: 'd1', start: 0, end: 10 } as PlannedFault;
    const b = { ...a, id: 'd2' } as PlannedFault;
    const enabled = async () => ((await (await fetch(`${server.url}/proxies/i`)).json()) as { enabled: boolean }).enabled;
    await applier.start(a);
    await applier.start(b);
    assert.equal(await enabled(), false);
    await applier.stop(a);
    assert.equal(await enabled(), false, 'still down: the second window is open');
    await applier.stopAll();
    assert.equal(await enabled(), true);
  });

  it('warns instead of failing when a fault cannot apply (no switch of ours, a toxic the server refuses)', async () => {
    await applier.start({ kind: 'safeguard', name: 'storeAndForward', on: false, at: 0, id: 's1', start: 0, end: 5 } as PlannedFault);
    await applier.start(toxic({ id: 'f9', attributes: { latency: -5 } as never, type: 'no_such_toxic' as never }));
    assert.equal(warnings.length, 2);
    assert.match(warnings[0], /not ours/);
    assert.match(warnings[1], /f9/);
  });
});

describe('message trails: masking', () => {
  it('masks the PAN and track data, redacts PIN blocks and keys', () => {
    const m = masked({
      mti: '0200',
      fields: { 2: '6222021234567890123', 35: '6222021234567890123=3012', 52: Buffer.from('0011223344556677', 'hex'), 62: Buffer.alloc(40), 11: '000001', 64: Buffer.from('3132333435363738', 'hex') },
    });
    assert.equal(m['2'], '622202*********0123');
    assert.equal(m['35'], '622202*********0123=[redacted]');
    assert.equal(m['52'], '[redacted]');
    assert.equal(m['62'], '[redacted]');
    assert.equal(m['11'], '000001');
    assert.equal(m['64'], '3132333435363738');
  });
});
