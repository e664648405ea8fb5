// Card data, keys and PIN blocks never reach the logs: every log line the switch and the issuer write during
// sign-on, PIN sales (right and wrong PIN), a bad MAC, garbage, a timeout with store and forward, a void and an
// unbalanced settlement is captured at debug level and searched for them.
import { strict as assert } from 'node:assert';
import { DEFAULT_ISSUER_ZPK } from '../../harness/issuer';
import { Stack, until } from './support/stack';
import { frameBytes } from './support/test-terminal';

describe('switch: nothing secret in the logs', () => {
  let stack: Stack;
  let captured = '';
  let restore: (() => void) | undefined;

  beforeEach(() => {
    const saved = process.env.POSFAULT_LOG;
    const write = process.stderr.write.bind(process.stderr);
    process.env.POSFAULT_LOG = 'debug';
    captured = '';
    process.stderr.write = ((chunk: string | Uint8Array) => {
      captured += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    }) as typeof process.stderr.write;
    restore = () => {
      process.stderr.write = write;
      if (saved === undefined) delete process.env.POSFAULT_LOG;
      else process.env.POSFAULT_LOG = saved;
    };
  });
  afterEach(async () => {
    restore?.();
    restore = undefined;
    await stack.close();
  });

  it('logs no PAN, key or PIN block at debug level', async () => {
    stack = await Stack.start({ timeoutMs: 150 });
    const { t, line } = await stack.signedOn(0);
    const signOnKeys = { mak: t.keys!.mak, pik: t.keys!.pik };
    const pinCard = stack.card(true);
    const plain = stack.card(false);
    const secrets: string[] = [];
    const ok = await stack.sale(t, line, pinCard, 1_000);
    assert.equal(ok.reply?.message.fields[39], '00');
    secrets.push((ok.request.fields[52] as Buffer).toString('hex'));
    const wrong = await stack.sale(t, line, { ...pinCard, pin: pinCard.pin === '000000' ? '111111' : '000000' }, 1_000);
    assert.equal(wrong.reply?.message.fields[39], '55');
    secrets.push((wrong.request.fields[52] as Buffer).toString('hex'));
    const sale = await stack.sale(t, line, plain, 2_000);
    assert.equal(sale.reply?.message.fields[39], '00');
    const voidReq = t.voidRequest(plain, 2_000, { stan: String(sale.request.fields[11]), rrn: String(sale.reply!.message.fields[37]), authCode: String(sale.reply!.message.fields[38]) });
    assert.equal((await line.exchange(voidReq, t.pack(voidReq)))?.message.fields[39], '00');
    // A bad MAC (A0) and undecodable frames carrying the PAN.
    const bad = t.saleRequest(plain, 300);
    const badBody = t.pack(bad, Buffer.alloc(16, 7));
    assert.equal((await line.exchange(bad, badBody))?.message.fields[39], 'A0');
    line.writeRaw(frameBytes(badBody.subarray(0, badBody.length - 20)));
    // A silent issuer: a timeout, a 98 and a queued 0420.
    stack.issuer.maintenance('silent');
    const lost = await stack.sale(t, line, plain, 700);
    assert.equal(lost.reply?.message.fields[39], '98');
    assert.ok(await until(() => stack.sw.safRecords()[0]?.tries >= 1));
    const settle = t.settlementRequest({ debitAmount: 1, debitCount: 1 });
    assert.equal(String((await line.exchange(settle, t.pack(settle)))?.message.fields[48])[30], '2');

    restore!();
    restore = undefined;
    assert.match(captured, /request MAC failed, answered A0/, 'the switch logs were captured');
    assert.match(captured, /reversal queued for store and forward/);
    assert.match(captured, /issuer: /, 'the issuer logs too');
    const keyHex = [signOnKeys.mak, signOnKeys.pik, t.tmk, DEFAULT_ISSUER_ZPK].map((k) => k.toString('hex'));
    secrets.push(...keyHex, ...keyHex.map((h) => h.slice(0, 16)));
    const text = captured.toLowerCase();
    for (const a of stack.accounts) assert.ok(!captured.includes(a.pan), 'a PAN was logged');
    for (const s of secrets) assert.ok(!text.includes(s.toLowerCase()), `a key or PIN block was logged: ${s.slice(0, 4)}…`);
  });
});
