import { strict as assert } from 'node:assert';
import { Registry } from 'prom-client';
import { generateAccounts, startIssuer, type IssuerHandle, type IssuerLedgerEntry } from '../../harness/issuer';
import { collect, delay, IssuerClient, quietLogs, sale, tempJournal } from './helpers';

/** Resolves with `p`, or rejects naming `what` when it takes longer than `ms` (a stuck stream fails, not hangs). */
async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(what)), ms); })]);
  } finally {
    clearTimeout(timer);
  }
}

describe('issuer: ledger reads and the HTTP control API', () => {
  const [card] = generateAccounts('control', 1, { pinShare: 0, balanceMin: 100_000, balanceMax: 100_000 });
  let issuer: IssuerHandle;
  let client: IssuerClient;
  let j: ReturnType<typeof tempJournal>;
  let base: string;
  quietLogs();

  beforeEach(async () => {
    j = tempJournal();
    issuer = await startIssuer({ journalPath: j.dir, accounts: [card], controlPort: 0, registry: new Registry() });
    client = await IssuerClient.connect(issuer.port);
    base = `http://127.0.0.1:${issuer.controlPort}`;
  });
  afterEach(async () => {
    client.close();
    await issuer.close();
    j.cleanup();
  });

  async function put(pathname: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
    const r = await fetch(base + pathname, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: r.status, json: (await r.json()) as Record<string, unknown> };
  }

  it('streams the ledger as JSON lines, from a seq, and follows new entries while running', async () => {
    for (let i = 1; i <= 3; i++) await client.request(sale(card, { stan: String(i).padStart(6, '0'), amount: 100 }));
    const all = (await (await fetch(`${base}/ledger`)).text()).trim().split('\n').map((l) => JSON.parse(l) as IssuerLedgerEntry);
    assert.deepEqual(all.map((e) => e.seq), [1, 2, 3]);
    const from2 = (await (await fetch(`${base}/ledger?fromSeq=2`)).text()).trim().split('\n');
    assert.equal(from2.length, 2);

    const abort = new AbortController();
    const res = await fetch(`${base}/ledger?fromSeq=3&follow=1`, { signal: abort.signal });
    const reader = res.body!.getReader();
    let text = '';
    const readUntil = async (lines: number) => {
      while (text.split('\n').length - 1 < lines) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString('utf8');
      }
    };
    await readUntil(1);
    await client.request(sale(card, { stan: '000004', amount: 100 }));
    await readUntil(2);
    abort.abort();
    assert.deepEqual(text.trim().split('\n').map((l) => (JSON.parse(l) as IssuerLedgerEntry).seq), [3, 4]);
  });

  it('readLedger follows in process until the signal aborts', async () => {
    const abort = new AbortController();
    const seen: number[] = [];
    const done = (async () => {
      for await (const e of issuer.readLedger(1, { follow: true, signal: abort.signal })) {
        seen.push(e.seq);
        if (seen.length === 2) abort.abort();
      }
    })();
    await client.request(sale(card, { stan: '000001', amount: 100 }));
    await delay(10);
    await client.request(sale(card, { stan: '000002', amount: 100 }));
    await done;
    assert.deepEqual(seen, [1, 2]);
    assert.deepEqual((await collect(issuer.readLedger())).map((e) => e.seq), [1, 2]);
  });

  it('POST /faults/crash takes the issuer down and back; a ledger follower carries on across the crash', async () => {
    const abort = new AbortController();
    const seen: number[] = [];
    const following = (async () => {
      for await (const e of issuer.readLedger(1, { follow: true, signal: abort.signal })) {
        seen.push(e.seq);
        if (seen.length === 3) abort.abort();
      }
    })();
    for (let i = 1; i <= 2; i++) assert.equal((await client.request(sale(card, { stan: String(i).padStart(6, '0'), amount: 1_000 }))).fields[39], '00');
    const r = await fetch(`${base}/faults/crash`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ downMs: 400 }) });
    assert.equal(r.status, 202);
    const end = Date.now() + 2000;
    while (!client.closed && Date.now() < end) await delay(10);
    assert.ok(client.closed, 'the crash dropped the connection');
    await assert.rejects(IssuerClient.connect(issuer.port), /ECONNREFUSED/, 'down: nobody listens');
    let back: IssuerClient | undefined;
    while (back === undefined && Date.now() < end + 2000) back = await IssuerClient.connect(issuer.port).catch(() => delay(20).then(() => undefined));
    assert.ok(back, 'listening again after downMs');
    client = back;
    assert.equal(issuer.balance(card.pan), 98_000, 'acknowledged debits rebuilt from the journal');
    assert.equal((await client.request(sale(card, { stan: '000003', amount: 1_000 }))).fields[39], '00');
    await within(following, 3000, 'the follower is stuck on the dead journal');
    assert.deepEqual(seen, [1, 2, 3], 'the follower saw the entry made after the restart');
    assert.equal((await fetch(`${base}/faults/crash`, { method: 'POST', body: '{"downMs":-1}' })).status, 400);
  });

  it('a follower that starts while the issuer is down waits for the restart and reads on', async () => {
    assert.equal((await client.request(sale(card, { stan: '000001', amount: 1_000 }))).fields[39], '00');
    const crashed = issuer.crash(200);
    await delay(20);
    const abort = new AbortController();
    const seen: number[] = [];
    const following = (async () => {
      for await (const e of issuer.readLedger(1, { follow: true, signal: abort.signal })) {
        seen.push(e.seq);
        if (seen.length === 2) abort.abort();
      }
    })();
    await crashed;
    client = await IssuerClient.connect(issuer.port);
    assert.equal((await client.request(sale(card, { stan: '000002', amount: 1_000 }))).fields[39], '00');
    await within(following, 3000, 'the follower is stuck on the dead journal');
    assert.deepEqual(seen, [1, 2]);
  });

  it('gives balances by PAN with the PAN masked, 404 for an unknown card, 400 for a bad one', async () => {
    await client.request(sale(card, { stan: '000001', amount: 2_500 }));
    const r = await fetch(`${base}/accounts/${card.pan}/balance`);
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { pan: card.pan.slice(0, 6) + '*'.repeat(card.pan.length - 10) + card.pan.slice(-4), balance: 97_500 });
    assert.equal((await fetch(`${base}/accounts/6222020000000000000/balance`)).status, 404);
    const bad = await fetch(`${base}/accounts/12ab/balance`);
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /PAN must be/);
  });

  it('sets faults through PUT, and answers 400 with the reason on bad bodies', async () => {
    assert.equal((await put('/faults/maintenance', { mode: 'answer-91' })).status, 200);
    assert.equal((await client.request(sale(card, { stan: '000001', amount: 100 }))).fields[39], '91');
    assert.equal((await put('/faults/maintenance', { mode: null })).status, 200);
    assert.equal((await put('/faults/declines', { share: 1, code: '51' })).status, 200);
    assert.equal((await client.request(sale(card, { stan: '000002', amount: 100 }))).fields[39], '51');
    assert.equal((await put('/faults/declines', { share: 0 })).status, 200);
    assert.equal((await put('/faults/latency', { latency: { kind: 'fixed', ms: 80 } })).status, 200);
    const t0 = Date.now();
    assert.equal((await client.request(sale(card, { stan: '000003', amount: 100 }))).fields[39], '00');
    assert.ok(Date.now() - t0 >= 75);
    assert.equal((await put('/faults/latency', { latency: null })).status, 200);

    const bad: [string, unknown, RegExp][] = [
      ['/faults/maintenance', { mode: 'nap' }, /mode/],
      ['/faults/maintenance', '{not json', /not JSON/],
      ['/faults/latency', { latency: { kind: 'normal', meanMs: -1, stdDevMs: 1 } }, /meanMs/],
      ['/faults/declines', { share: 2 }, /share/],
      ['/faults/declines', { share: 0.1, code: 'x' }, /code/],
      ['/faults/declines', { share: 0.1, extra: 1 }, /extra|Unrecognized/i],
    ];
    for (const [p, body, reason] of bad) {
      const r = await put(p, body);
      assert.equal(r.status, 400, p);
      assert.match(String(r.json.error), reason);
    }
    assert.equal((await fetch(`${base}/nothing`)).status, 404);
    assert.equal((await fetch(`${base}/ledger`, { method: 'DELETE' })).status, 405);
    assert.equal((await fetch(`${base}/ledger?fromSeq=x`)).status, 400);
    assert.equal((await client.request(sale(card, { stan: '000004', amount: 100 }))).fields[39], '00', 'bad requests changed nothing');
  });

  it('exports posfault_issuer_* metrics', async () => {
    await client.request(sale(card, { stan: '000001', amount: 100 }));
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, /posfault_issuer_requests_total\{mti="0200",code="00"\} 1/);
    assert.match(text, /posfault_issuer_response_seconds_count\{mti="0200"\} 1/);
    assert.match(text, /posfault_issuer_ledger_entries 1/);
    assert.match(text, /posfault_issuer_journal_fsync_seconds_count [1-9]/);
  });

  it('a stopped issuer leaves a journal readJournal reads, and a new one picks the state up from it', async () => {
    await client.request(sale(card, { stan: '000001', amount: 1_000 }));
    client.close();
    await issuer.close();
    issuer = await startIssuer({ journalPath: j.dir, accounts: [card] });
    client = await IssuerClient.connect(issuer.port);
    assert.equal(issuer.balance(card.pan), 99_000);
    assert.equal((await client.request(sale(card, { stan: '000002', amount: 1_000 }))).fields[39], '00');
    assert.deepEqual(issuer.ledger().map((e) => e.seq), [1, 2]);
  });
});
