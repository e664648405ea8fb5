// Adversarial load: a flood of hostile connections (random bytes, lying lengths, frames cut by a disconnect,
// unknown MTIs, responses, bad MACs, replays of valid sales) in parallel with honest terminals. Every honest
// request is answered, and the issuer's ledger holds exactly the honest requests, each once.
import { strict as assert } from 'node:assert';
import * as net from 'node:net';
import { Prng } from '../../harness/security';
import { Stack } from './support/stack';
import { frameBytes, HEADER, TestLine, terminalCodec, TPDU, type TestTerminal } from './support/test-terminal';

const HOSTILE = 200;
const HONEST_TERMINALS = 8;
const SALES_EACH = 8;

/** Opens a raw connection, writes `chunks` (a short pause between them), then hangs up or waits for the switch to. */
function hostile(port: number, chunks: Buffer[], hangUp: boolean): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const timer = setTimeout(() => socket.destroy(), 1500);
    socket.on('error', () => undefined);
    socket.on('data', () => undefined);
    socket.once('close', () => { clearTimeout(timer); resolve(); });
    socket.once('connect', () => {
      let i = 0;
      const step = () => {
        if (socket.destroyed) return;
        if (i < chunks.length) {
          socket.write(chunks[i++]);
          setTimeout(step, 2);
        } else if (hangUp) {
          socket.destroy();
        } else {
          setTimeout(() => socket.destroy(), 200);
        }
      };
      step();
    });
  });
}

describe('switch: adversarial flood', function () {
  this.timeout(30_000);
  let stack: Stack;
  afterEach(async () => { await stack.close(); });

  it(`${HOSTILE} hostile connections alongside honest terminals: every honest sale answered, the issuer sees each exactly once`, async () => {
    // The issuer's own duplicate check off: anything that reached it twice would show as a second debit.
    stack = await Stack.start({ issuer: { duplicateCheck: false }, timeoutMs: 5000, switch: { idleTimeoutMs: 1000 } });
    const prng = new Prng('switch-flood');
    const honest: { t: TestTerminal; line: TestLine }[] = [];
    for (let i = 0; i < HONEST_TERMINALS; i++) honest.push(await stack.signedOn(i));
    const card = stack.card(false);

    // Valid frames the attackers replay (a recorded sale with a good MAC) or spoil.
    const victim = honest[0].t;
    const recorded = victim.saleRequest(card, 777, '900001');
    const recordedBody = victim.pack(recorded);
    const recordedReply = await honest[0].line.exchange(recorded, recordedBody);
    assert.equal(recordedReply?.message.fields[39], '00');

    const payloads: ((i: number) => { chunks: Buffer[]; hangUp: boolean })[] = [
      () => ({ chunks: [prng.bytes(1 + prng.int(200))], hangUp: prng.int(2) === 0 }), // noise
      () => ({ chunks: [Buffer.from([0xff, 0xff]), prng.bytes(40)], hangUp: false }), // length past the maximum
      () => ({ chunks: [Buffer.from([0x00, 0x00])], hangUp: false }), // zero length
      () => ({ chunks: [frameBytes(prng.bytes(20 + prng.int(80)))], hangUp: false }), // framed garbage
      () => { // a valid sale frame cut short, then the caller hangs up mid-frame
        const bytes = frameBytes(recordedBody);
        return { chunks: [bytes.subarray(0, 5 + prng.int(bytes.length - 6))], hangUp: true };
      },
      () => ({ chunks: [frameBytes(recordedBody)], hangUp: false }), // replay of an approved sale: 94
      () => { // the same sale with its MAC spoiled: A0
        const spoiled = Buffer.from(recordedBody);
        spoiled[spoiled.length - 1 - prng.int(8)] ^= 1 + prng.int(255);
        return { chunks: [frameBytes(spoiled)], hangUp: false };
      },
      (i) => { // an unknown MTI, a response MTI and an unknown terminal, from one caller
        const tid = String(20000000 + i);
        const bodies = [
          terminalCodec.pack({ mti: '0100', fields: { 11: '000001', 41: victim.terminalId, 42: victim.merchantId, 60: '00' + victim.batch } }),
          terminalCodec.pack({ mti: '0210', fields: { 11: '000002', 39: '00', 41: victim.terminalId, 42: victim.merchantId } }),
          terminalCodec.pack({ mti: '0800', fields: { 11: '000003', 41: tid, 42: '898100054110000', 60: '00000001003' } }),
        ];
        return { chunks: bodies.map((b) => frameBytes(b)), hangUp: false };
      },
      () => ({ chunks: [Buffer.concat([Buffer.from([0x01, 0x00]), TPDU, HEADER])], hangUp: false }), // a length that never arrives
    ];
    const attacks = Array.from({ length: HOSTILE }, (_, i) => {
      const { chunks, hangUp } = payloads[i % payloads.length](i);
      return hostile(stack.sw.port, chunks, hangUp);
    });

    // Honest traffic at the same time: long connections with requests in flight, and dial-up terminals.
    const honestSales = honest.map(async ({ t, line }) => {
      const replies = await Promise.all(Array.from({ length: SALES_EACH }, () => stack.sale(t, line, card, 100 + prng.int(900))));
      return replies.map(({ request, reply }) => ({ tid: t.terminalId, stan: String(request.fields[11]), code: reply?.message.fields[39] }));
    });
    const dialUp = Array.from({ length: 4 }, async (_, k) => {
      const { t, line } = await stack.signedOn(HONEST_TERMINALS + k);
      const { request, reply } = await stack.sale(t, line, card, 250);
      await line.close();
      return [{ tid: t.terminalId, stan: String(request.fields[11]), code: reply?.message.fields[39] }];
    });
    const results = (await Promise.all([...honestSales, ...dialUp])).flat();
    await Promise.all(attacks);

    assert.equal(results.length, HONEST_TERMINALS * SALES_EACH + 4);
    const unanswered = results.filter((r) => r.code !== '00');
    assert.deepEqual(unanswered, [], 'every honest sale approved');

    // Exactly the honest requests reached the issuer, each once (plus the recorded sale, once).
    const expected = new Set([...results.map((r) => `${r.tid}|${r.stan}`), `${victim.terminalId}|900001`]);
    const ledger = stack.issuer.ledger();
    const seen = ledger.map((e) => `${e.terminalId}|${e.stan}`);
    assert.equal(ledger.length, expected.size, `ledger has ${ledger.length} entries for ${expected.size} honest requests`);
    assert.deepEqual(new Set(seen), expected);
    assert.ok(ledger.every((e) => e.type === 'debit' && e.responseCode === '00' && e.duplicateOf === undefined));

    // The switch is still whole: a new terminal signs on and is served.
    const { t, line } = await stack.signedOn(HONEST_TERMINALS + 5);
    assert.equal((await stack.sale(t, line, card, 100)).reply?.message.fields[39], '00');
    const frameErrors = await stack.sw.registry.getSingleMetric('posfault_switch_frame_errors_total')!.get();
    assert.ok(frameErrors.values.reduce((s, v) => s + v.value, 0) > 0, 'the garbage was seen and counted');
    // Garbage cannot grow the metrics' label sets: MTIs the switch does not serve are labelled 'other'.
    const known = new Set(['0800', '0810', '0200', '0210', '0220', '0230', '0400', '0410', '0500', '0510', '0320', '0330', 'other']);
    for (const name of ['posfault_switch_requests_total', 'posfault_switch_responses_total', 'posfault_switch_request_duration_seconds']) {
      const values = (await stack.sw.registry.getSingleMetric(name)!.get()).values;
      const mtis = new Set(values.map((v) => String(v.labels.mti)));
      assert.ok([...mtis].every((m) => known.has(m)), `${name} labels: ${[...mtis].join(', ')}`);
      if (name === 'posfault_switch_requests_total') assert.ok(mtis.has('other'), 'the 0100s were counted as other');
    }
  });
});
