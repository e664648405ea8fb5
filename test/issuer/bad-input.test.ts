import { strict as assert } from 'node:assert';
import { Registry } from 'prom-client';
import { generateAccounts, startIssuer, type IssuerHandle } from '../../harness/issuer';
import { codec, delay, IssuerClient, quietLogs, reversal, sale, tempJournal } from './helpers';

/** Captures what the logger writes to stderr while `fn` runs. */
async function captureStderr(fn: () => Promise<void>): Promise<string> {
  const original = process.stderr.write.bind(process.stderr);
  let text = '';
  const level = process.env.POSFAULT_LOG;
  process.env.POSFAULT_LOG = 'warn';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    text += chunk.toString();
    return true;
  }) as typeof process.stderr.write;
  try {
    await fn();
  } finally {
    process.stderr.write = original;
    if (level === undefined) delete process.env.POSFAULT_LOG;
    else process.env.POSFAULT_LOG = level;
  }
  return text;
}

function framed(body: Buffer, declared = body.length): Buffer {
  const out = Buffer.alloc(2 + body.length);
  out.writeUInt16BE(declared, 0);
  body.copy(out, 2);
  return out;
}

describe('issuer: bad input', () => {
  const [card] = generateAccounts('bad-input', 1, { pinShare: 0, balanceMin: 50_000, balanceMax: 50_000 });
  let issuer: IssuerHandle;
  let client: IssuerClient;
  let j: ReturnType<typeof tempJournal>;
  quietLogs();

  beforeEach(async () => {
    j = tempJournal();
    issuer = await startIssuer({ journalPath: j.file, accounts: [card] });
    client = await IssuerClient.connect(issuer.port);
  });
  afterEach(async () => {
    client.close();
    await issuer.close();
    j.cleanup();
  });

  async function stillServes(c: IssuerClient, stan: string): Promise<void> {
    const r = await c.request(sale(card, { stan, amount: 100 }));
    assert.equal(r.fields[39], '00');
  }

  it('answers 30 to a garbled body whose MTI reads, logs why, and keeps serving the connection', async () => {
    const log = await captureStderr(async () => {
      client.sendRaw(framed(Buffer.from('0200ZZZZ-not-a-bitmap')));
      const r = await client.next((m) => m.mti === '0210');
      assert.equal(r.fields[39], '30');
    });
    assert.match(log, /garbled frame; answered 30/);
    assert.match(log, /bitmap/);
    assert.equal(issuer.ledger().length, 0);
    await stillServes(client, '000001');
  });

  it('drops a body with no readable MTI and keeps serving', async () => {
    const log = await captureStderr(async () => {
      client.sendRaw(framed(Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00])));
      await delay(50);
    });
    assert.match(log, /garbled frame; dropped/);
    assert.equal(client.received.length, 0);
    await stillServes(client, '000001');
  });

  it('answers 30 with the keys echoed when a required field is missing or malformed', async () => {
    const noStan = sale(card, { stan: '000001', amount: 100 });
    delete noStan.fields[11];
    client.send(noStan);
    const r = await client.next((m) => m.mti === '0210');
    assert.equal(r.fields[39], '30');
    assert.equal(r.fields[41], noStan.fields[41]);
    const badF90 = reversal(card, { stan: '000002', amount: 100 });
    badF90.fields[90] = '0200' + '000002' + '1399999999' + '0'.repeat(22);
    assert.equal((await client.request(badF90)).fields[39], '30');
    const badF7 = sale(card, { stan: '000003', amount: 100, f7: '1341100000' });
    assert.equal((await client.request(badF7)).fields[39], '30');
    assert.equal(issuer.ledger().length, 0);
    assert.equal(issuer.balance(card.pan), 50_000);
  });

  it('answers an unknown request MTI 30, echoes network management, drops a response MTI', async () => {
    const auth = sale(card, { stan: '000001', amount: 100 });
    const r = await client.request({ mti: '0100', fields: auth.fields });
    assert.equal(r.mti, '0110');
    assert.equal(r.fields[39], '30');
    const echo = await client.request({ mti: '0800', fields: { 7: '1121100000', 11: '000009', 70: '301' } });
    assert.equal(echo.mti, '0810');
    assert.equal(echo.fields[39], '00');
    assert.equal(echo.fields[70], '301');
    client.send({ mti: '0210', fields: auth.fields });
    await delay(50);
    assert.equal(client.received.length, 0);
    assert.equal(issuer.ledger().length, 0);
    await stillServes(client, '000002');
  });

  it('labels MTIs it does not serve as other in its metrics, so garbage cannot grow the label set', async () => {
    const registry = new Registry();
    const k = tempJournal();
    const own = await startIssuer({ journalPath: k.file, accounts: [card], registry });
    const c = await IssuerClient.connect(own.port);
    try {
      const auth = sale(card, { stan: '000001', amount: 100 });
      for (const mti of ['0100', '0300', '0600']) assert.equal((await c.request({ mti, fields: auth.fields })).fields[39], '30');
      await c.request(sale(card, { stan: '000002', amount: 100 }));
      const labels = (await registry.getSingleMetric('posfault_issuer_requests_total')!.get()).values.map((v) => `${String(v.labels.mti)}/${String(v.labels.code)}`);
      assert.deepEqual(labels.sort(), ['0200/00', 'other/30']);
    } finally {
      c.close();
      await own.close();
      k.cleanup();
    }
  });

  it('closes a connection whose length lies (over the maximum), and serves the others', async () => {
    const other = await IssuerClient.connect(issuer.port);
    try {
      const log = await captureStderr(async () => {
        client.sendRaw(framed(Buffer.from('0200'), 0xffff));
        await delay(50);
      });
      assert.ok(client.closed, 'the lying connection was closed');
      assert.match(log, /unreadable frame length; connection closed/);
      assert.match(log, /exceeds the maximum/);
      await stillServes(other, '000001');
    } finally {
      other.close();
    }
  });

  it('closes a connection that sends a zero-length frame, counts it as framing, logs why, and serves the others', async () => {
    const registry = new Registry();
    const k = tempJournal();
    const own = await startIssuer({ journalPath: k.file, accounts: [card], registry });
    const zero = await IssuerClient.connect(own.port);
    const other = await IssuerClient.connect(own.port);
    const framing = async () => (await registry.getSingleMetric('posfault_issuer_rejected_frames_total')!.get()).values
      .filter((v) => v.labels.reason === 'framing').reduce((sum, v) => sum + v.value, 0);
    try {
      assert.equal(await framing(), 0);
      const log = await captureStderr(async () => {
        zero.sendRaw(Buffer.from([0x00, 0x00]));
        await delay(50);
      });
      assert.ok(zero.closed, 'the connection was closed');
      assert.equal(await framing(), 1);
      assert.match(log, /unreadable frame length; connection closed .*"reason":"[^"]+"/);
      await stillServes(other, '000001');
      assert.equal(own.ledger().length, 1);
    } finally {
      zero.close();
      other.close();
      await own.close();
      k.cleanup();
    }
  });

  it('survives a length shorter than the message (the tail becomes a bad frame) without touching the ledger', async () => {
    const body = codec.pack(sale(card, { stan: '000001', amount: 100 }));
    client.sendRaw(framed(body, 20));
    await delay(50);
    assert.equal(issuer.ledger().length, 0);
    const fresh = await IssuerClient.connect(issuer.port);
    try {
      await stillServes(fresh, '000002');
    } finally {
      fresh.close();
    }
  });

  it('drops a frame cut off by a disconnect, logs it, and serves others', async () => {
    const other = await IssuerClient.connect(issuer.port);
    try {
      const bytes = framed(codec.pack(sale(card, { stan: '000001', amount: 100 })));
      const log = await captureStderr(async () => {
        client.sendRaw(bytes.subarray(0, 30));
        await delay(20);
        client.close();
        await delay(50);
      });
      assert.match(log, /disconnected mid-frame/);
      assert.equal(issuer.ledger().length, 0);
      assert.equal(issuer.balance(card.pan), 50_000);
      await stillServes(other, '000002');
    } finally {
      other.close();
    }
  });

  it('never logs the PAN', async () => {
    const log = await captureStderr(async () => {
      const noStan = sale(card, { stan: '000001', amount: 100 });
      delete noStan.fields[11];
      client.send(noStan);
      await client.next((m) => m.mti === '0210');
    });
    assert.ok(log.length > 0);
    assert.ok(!log.includes(card.pan));
  });
});
