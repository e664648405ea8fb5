// The fault applier against the real built-in proxy, programmed only through toxiproxy-node-client.
import { strict as assert } from 'node:assert';
import { Registry } from 'prom-client';
import { Toxiproxy, type Proxy } from 'toxiproxy-node-client';
import { startProxyServer, type RunningProxyServer } from '../../proxies';
import { judgeFaults } from '../../harness/metrics';
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

  it('a fault the stack refuses is a failure the verdict counts; one a switch under test cannot take is a limitation', async () => {
    await applier.start({ kind: 'safeguard', name: 'storeAndForward', on: false, at: 0, id: 's1', start: 0, end: 5 } as PlannedFault);
    await applier.start(toxic({ id: 'f9', attributes: { latency: -5 } as never, type: 'no_such_toxic' as never }));
    assert.equal(warnings.length, 2);
    assert.match(warnings[0], /not ours/);
    assert.match(warnings[1], /f9/);
    assert.deepEqual(applier.notOurs, ['s1']);
    assert.deepEqual(applier.failures.map((f) => [f.id, f.phase]), [['f9', 'start']]);
    const verdict = judgeFaults(1, applier.failures);
    assert.equal(verdict.verdict, 'fails');
    assert.equal(verdict.actual, 0);
    assert.match(verdict.note ?? '', /f9 .*not put in force/);
    assert.equal(judgeFaults(2, []).verdict, 'holds');
  });
});

describe('fault applier: overlapping faults on one setting', () => {
  const calls: string[] = [];
  const planned = (over: Record<string, unknown>): PlannedFault => ({ at: 0, start: 0, end: 100, ...over }) as unknown as PlannedFault;
  const make = () =>
    new FaultApplier({
      proxies: {} as never,
      safeguards: { duplicateDetection: true },
      issuer: { maintenance: (m) => calls.push(`maintenance ${m}`), setDeclineShare: (share, code) => calls.push(`declines ${share} ${code}`) },
      switch: { setSafeguard: (n, on) => calls.push(`${n} ${on}`), rotateKeys: () => undefined },
      fleet: { resetStan: () => undefined },
      terminalId: (i) => String(10000001 + i),
      printer: (i) => ({
        loadPaper: (n?: number) => calls.push(`printer ${i} paper ${n}`),
        setCoverOpen: (o: boolean) => calls.push(`printer ${i} cover ${o}`),
        setOffline: (m: false | 'before' | 'during') => calls.push(`printer ${i} offline ${m}`),
        setSlow: (ms: number) => calls.push(`printer ${i} slow ${ms}`),
      }),
      warn: (m) => calls.push(`warn ${m}`),
      onChange: () => undefined,
    });
  beforeEach(() => (calls.length = 0));

  it('a safeguard stays off while another window that switched it off is still open', async () => {
    const a = make();
    const f1 = planned({ kind: 'safeguard', name: 'duplicateDetection', on: false, id: 'a' });
    const f2 = planned({ kind: 'safeguard', name: 'duplicateDetection', on: false, id: 'b' });
    await a.start(f1);
    await a.start(f2);
    await a.stop(f1);
    assert.deepEqual(calls, ['duplicateDetection false', 'duplicateDetection false', 'duplicateDetection false']);
    await a.stop(f2);
    assert.equal(calls[3], 'duplicateDetection true', 'back to the configured value once both ended');
  });

  it('declines: the share of the fault still in force comes back, then none', async () => {
    const a = make();
    const f1 = planned({ kind: 'declines', share: 0.2, code: '05', id: 'a' });
    const f2 = planned({ kind: 'declines', share: 0.5, code: '51', id: 'b' });
    await a.start(f1);
    await a.start(f2);
    await a.stop(f2);
    await a.stop(f1);
    assert.deepEqual(calls, ['declines 0.2 05', 'declines 0.5 51', 'declines 0.2 05', 'declines 0 05']);
  });

  it('paper-out: the printer gets paper back only when no paper-out on it is left', async () => {
    const a = make();
    const f1 = planned({ kind: 'printer', fault: 'paper-out', terminals: [0, 1], terminalIndices: [0, 1], id: 'a' });
    const f2 = planned({ kind: 'printer', fault: 'paper-out', terminals: [1], terminalIndices: [1], id: 'b' });
    await a.start(f1);
    await a.start(f2);
    await a.stop(f1);
    assert.deepEqual(calls.slice(3), ['printer 0 paper Infinity', 'printer 1 paper 0']);
    await a.stop(f2);
    assert.equal(calls[5], 'printer 1 paper Infinity');
  });
});

describe('message trails: masking', () => {
  it('masks the PAN and track data, redacts PIN blocks and keys', () => {
    const m = masked({
      mti: '0200',
      fields: { 2: '6222021234567890123', 35: '6222021234567890123=3012', 52: Buffer.from('0011223344556677', 'hex'), 62: Buffer.alloc(40), 11: '000001', 64: Buffer.from('3132333435363738', 'hex') },
    });
    assert.equal(m['2'], '622202*********0123');
    assert.equal(m['35'], '622202*********0123=****');
    assert.equal(m['52'], '[redacted]');
    assert.equal(m['62'], '[redacted]');
    assert.equal(m['11'], '000001');
    assert.equal(m['64'], '3132333435363738');
  });
});
