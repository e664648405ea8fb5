// Bad input of every kind: the switch answers what it can (30), drops what it must, and keeps serving everyone
// else; nothing reaches the issuer that should not, and nothing reaches it twice.
import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import { Stack, until } from './support/stack';
import { frameBytes, HEADER, TestLine, terminalCodec, TPDU } from './support/test-terminal';

async function metric(stack: Stack, name: string, label?: Record<string, string>): Promise<number> {
  const m = await stack.sw.registry.getSingleMetric(name)!.get();
  return m.values.filter((v) => !label || Object.entries(label).every(([k, x]) => v.labels[k] === x)).reduce((s, v) => s + v.value, 0);
}

/** Captures the log lines written to stderr (at info level) until the returned function is called. */
function captureLogs(): { text: () => string; stop: () => void } {
  const saved = process.env.POSFAULT_LOG;
  const write = process.stderr.write.bind(process.stderr);
  let captured = '';
  process.env.POSFAULT_LOG = 'info';
  process.stderr.write = ((chunk: string | Uint8Array) => {
    captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stderr.write;
  return {
    text: () => captured,
    stop: () => {
      process.stderr.write = write;
      if (saved === undefined) delete process.env.POSFAULT_LOG;
      else process.env.POSFAULT_LOG = saved;
    },
  };
}

describe('switch: bad input', () => {
  let stack: Stack;
  let logs: ReturnType<typeof captureLogs>;
  beforeEach(async () => {
    logs = captureLogs();
    stack = await Stack.start({ switch: { idleTimeoutMs: 400 } });
  });
  afterEach(async () => {
    logs.stop();
    await stack.close();
  });
  const logged = (re: RegExp) => assert.match(logs.text(), re, 'the log names the reason');

  it('drops a garbled body, keeps the line, and serves the next request on it', async () => {
    const { t, line } = await stack.signedOn(0);
    line.writeRaw(frameBytes(Buffer.from('ffffffffffffffffffffffff', 'hex')));
    const { reply } = await stack.sale(t, line, stack.card(false), 100);
    assert.equal(reply?.message.fields[39], '00');
    assert.equal(line.unmatched.length, 0, 'no answer to the garbage');
    assert.equal(await metric(stack, 'posfault_switch_frame_errors_total', { reason: 'decode' }), 1);
    assert.equal(stack.issuer.ledger().length, 1);
    logged(/warn switch: undecodable terminal message, dropped \{"remote":"127\.0\.0\.1:\d+","reason":"[^"]+"\}/);
  });

  it('answers 30 when MTI, 11 and 41 decode but a later field does not', async () => {
    const { t, line } = await stack.signedOn(0);
    const sale = t.saleRequest(stack.card(false), 100);
    const body = t.pack(sale);
    const cut = body.subarray(0, body.length - 12); // field 60 and the MAC cut short
    const reply = await line.exchange(sale, Buffer.from(cut));
    assert.equal(reply?.message.mti, '0210');
    assert.equal(reply?.message.fields[39], '30');
    assert.equal(reply?.message.fields[11], sale.fields[11]);
    assert.equal(stack.issuer.ledger().length, 0);
    logged(new RegExp(`undecodable terminal request, answered 30 .*"mti":"0200","terminal":"${t.terminalId}","stan":"${String(sale.fields[11])}","reason":"[^"]+"`));
  });

  it('answers 30 to an MTI it does not handle, and drops a response-class MTI', async () => {
    const { t, line } = await stack.signedOn(0);
    const preauth = { mti: '0100', fields: { 2: stack.card(false).pan, 3: '030000', 4: '000000000100', 11: '000901', 41: t.terminalId, 42: t.merchantId, 60: '10' + t.batch + '000' } };
    const r = await line.exchange(preauth, t.pack(preauth));
    assert.equal(r?.message.mti, '0110');
    assert.equal(r?.message.fields[39], '30');
    const bogus = { mti: '0210', fields: { 11: '000902', 39: '00', 41: t.terminalId, 42: t.merchantId } };
    line.send(terminalCodec.pack(bogus));
    const { reply } = await stack.sale(t, line, stack.card(false), 100);
    assert.equal(reply?.message.fields[39], '00', 'line still up');
    assert.equal(line.unmatched.length, 0);
    assert.equal(stack.issuer.ledger().length, 1);
    logged(/format error, answered 30 .*"mti":"0100","reason":"MTI 0100 is not handled"/);
    logged(/terminal sent a non-request MTI, dropped .*"mti":"0210"/);
  });

  it('hangs up on a length that lies past the maximum, and others are unaffected', async () => {
    const { t, line } = await stack.signedOn(0);
    const liar = await TestLine.connect(stack.sw.port);
    stack.lines.push(liar);
    liar.writeRaw(Buffer.concat([Buffer.from([0xff, 0xff]), TPDU, HEADER, Buffer.alloc(20)]));
    await liar.closed;
    assert.equal(await metric(stack, 'posfault_switch_frame_errors_total', { reason: 'framing' }), 1);
    const { reply } = await stack.sale(t, line, stack.card(false), 100);
    assert.equal(reply?.message.fields[39], '00');
    logged(/unreadable frame from a terminal, line dropped .*"reason":"[^"]*\d+[^"]*"/);
  });

  it('hangs up on a zero-length frame, counts it, and others are unaffected', async () => {
    const { t, line } = await stack.signedOn(0);
    const zero = await TestLine.connect(stack.sw.port);
    stack.lines.push(zero);
    zero.writeRaw(Buffer.from([0x00, 0x00]));
    await zero.closed;
    assert.equal(zero.unmatched.length, 0);
    assert.equal(await metric(stack, 'posfault_switch_frame_errors_total', { reason: 'framing' }), 1);
    logged(/unreadable frame from a terminal, line dropped .*"reason":"[^"]+"/);
    const { reply } = await stack.sale(t, line, stack.card(false), 100);
    assert.equal(reply?.message.fields[39], '00');
    assert.equal(stack.issuer.ledger().length, 1);
  });

  it('hangs up a line whose length promised bytes that never come (idle timeout)', async () => {
    const liar = await TestLine.connect(stack.sw.port);
    stack.lines.push(liar);
    liar.writeRaw(Buffer.concat([Buffer.from([0x01, 0x00]), TPDU, HEADER, Buffer.alloc(10)]));
    const started = Date.now();
    await liar.closed;
    assert.ok(Date.now() - started >= 300, 'hung up by the idle timer');
    logged(/terminal line idle, hung up .*"idleMs":400/);
  });

  it('drops a line that trickles a frame it never finishes (partial-frame timeout), while the idle timer never fires', async () => {
    await stack.close();
    stack = await Stack.start({ switch: { idleTimeoutMs: 5_000, partialFrameTimeoutMs: 300 } });
    const { t, line } = await stack.signedOn(0);
    const trickler = await TestLine.connect(stack.sw.port);
    stack.lines.push(trickler);
    trickler.writeRaw(Buffer.concat([Buffer.from([0x01, 0x00]), TPDU, HEADER]));
    let dripped = 0;
    const drip = setInterval(() => { trickler.writeRaw(Buffer.from([0x30])); dripped++; }, 50);
    try {
      await trickler.closed;
    } finally {
      clearInterval(drip);
    }
    assert.ok(dripped >= 3, 'the line was kept busy, so only the partial-frame timer could hang it up');
    assert.equal(await metric(stack, 'posfault_switch_frame_errors_total', { reason: 'framing' }), 1);
    logged(/unreadable frame from a terminal, line dropped .*partial frame: \d+ bytes, not completed within 300 ms/);
    const { reply } = await stack.sale(t, line, stack.card(false), 100);
    assert.equal(reply?.message.fields[39], '00', 'the others are served');
  });

  it('a terminal that disconnects mid-frame changes nothing, and the switch keeps serving', async () => {
    const { t } = await stack.signedOn(0);
    const cutter = await TestLine.connect(stack.sw.port);
    stack.lines.push(cutter);
    const sale = t.saleRequest(stack.card(false), 100);
    const bytes = frameBytes(t.pack(sale));
    cutter.writeRaw(bytes.subarray(0, bytes.length - 5));
    await new Promise((r) => setTimeout(r, 30));
    await cutter.close();
    const { t: t1, line } = await stack.signedOn(1);
    const { reply } = await stack.sale(t1, line, stack.card(false), 200);
    assert.equal(reply?.message.fields[39], '00');
    assert.equal(stack.ledgerFor(t.terminalId, String(sale.fields[11])).length, 0, 'the cut request never reached the issuer');
    assert.equal(stack.issuer.ledger().length, 1);
    logged(/terminal hung up mid-frame, partial frame dropped .*"bytes":\d+/);
  });

  it('survives random frames: no crash, nothing reaches the issuer, a valid terminal is served after', async () => {
    const line = await TestLine.connect(stack.sw.port);
    stack.lines.push(line);
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 120 }), async (bytes) => {
        line.send(Buffer.from(bytes));
      }),
      { numRuns: 300, seed: 42 },
    );
    // Random bodies can only decode into requests that fail a check before the issuer (97, 77, 30, A0, ...).
    const { t, line: good } = await stack.signedOn(0);
    const { reply } = await stack.sale(t, good, stack.card(false), 100);
    assert.equal(reply?.message.fields[39], '00');
    assert.ok(await until(() => stack.issuer.ledger().length === 1));
    assert.ok(line.unmatched.every((r) => r.message.fields[39] !== '00'), 'no random frame was approved');
    logged(/undecodable terminal message, dropped|unreadable frame from a terminal/);
  });

  it('a sale repeated after a garbled copy reaches the issuer once', async () => {
    const { t, line } = await stack.signedOn(0);
    const sale = t.saleRequest(stack.card(false), 100);
    const body = t.pack(sale);
    const garbled = Buffer.from(body);
    garbled[garbled.length - 1] ^= 0xff; // MAC broken in transit
    line.send(garbled);
    line.send(body);
    line.send(body); // the terminal's retransmission
    assert.ok(await until(() => line.unmatched.length === 3));
    assert.deepEqual(line.unmatched.map((r) => r.message.fields[39]).sort(), ['00', '94', 'A0']);
    assert.equal(stack.ledgerFor(t.terminalId, String(sale.fields[11])).length, 1);
    logged(/request MAC failed, answered A0 .*"mti":"0200"/);
    logged(/duplicate transmission, answered 94/);
  });
});
