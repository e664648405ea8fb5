// Dialects: the codes that depend on the terminal dialect (CUP's private 97 and 98 only where the dialect's code
// table has them; otherwise the generic 03 and 91, cup-pos.md §3.11), and an issuer link in a CUP-style BCD dialect.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getDialect } from '../../harness/iso8583';
import { dialectCodes } from '../../harness/switch/codes';
import { Stack, until } from './support/stack';

describe('switch: dialects', () => {
  let stack: Stack | undefined;
  let dir: string;
  beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'posfault-dialect-')); });
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('cup-pos has 97 and 98; a table without them falls back to 03 and 91', () => {
    assert.deepEqual(dialectCodes(getDialect('cup-pos').responseCodes), { issuerTimeout: '98', unknownTerminal: '97' });
    assert.deepEqual(dialectCodes(getDialect('iso87-ascii').responseCodes), { issuerTimeout: '91', unknownTerminal: '03' });
  });

  it('over the wire, a terminal dialect without 97/98 gets 03 for an unknown terminal and 91 on an issuer timeout (still reversed)', async () => {
    const dialect = getDialect('cup-pos') as unknown as Record<string, unknown> & { responseCodes: Record<string, string> };
    delete dialect.responseCodes['97'];
    delete dialect.responseCodes['98'];
    const file = path.join(dir, 'cup-generic-codes.json');
    fs.writeFileSync(file, JSON.stringify({ ...dialect, name: 'cup-generic-codes' }));
    stack = await Stack.start({ timeoutMs: 150, switch: { dialect: file } });

    const stranger = stack.terminal(0);
    const line0 = await stack.line(stranger);
    const so = stranger.signOnRequest();
    so.fields[41] = '29999999';
    assert.equal((await line0.exchange(so, stranger.pack(so)))?.message.fields[39], '03');

    const { t, line } = await stack.signedOn(1);
    stack.issuer.maintenance('silent');
    const { request, reply } = await stack.sale(t, line, stack.card(false), 500);
    assert.equal(reply?.message.fields[39], '91');
    assert.ok(await until(() => stack!.sw.safRecords().length === 1), 'what was sent is still reversed');
    stack.issuer.maintenance(null);
    assert.ok(await until(() => stack!.sw.safRecords()[0].status === 'acknowledged'));
    assert.equal(stack.sw.safRecords()[0].stan, request.fields[11]);
  });

  it('speaks a CUP-style BCD dialect (with fields 7 and 90, no TPDU) to the issuer when configured: sale and reversal', async () => {
    const d = getDialect('cup-pos') as unknown as { name: string; framing: Record<string, unknown>; tpdu?: string; header?: string; bitmap: { secondary: boolean }; fields: Record<string, unknown> };
    d.name = 'cup-issuer-link';
    d.framing = { ...d.framing, tpdu: false, headerLength: 0 };
    delete d.tpdu;
    delete d.header;
    d.bitmap.secondary = true;
    d.fields['7'] = { name: 'Transmission date and time', type: 'n', encoding: 'bcd', length: 'fixed', max: 10 };
    d.fields['90'] = { name: 'Original data elements', type: 'n', encoding: 'bcd', length: 'fixed', max: 42 };
    const file = path.join(dir, 'cup-issuer-link.json');
    fs.writeFileSync(file, JSON.stringify(d));
    stack = await Stack.start({ issuer: { dialect: file } });
    // The issuer link's dialect is part of the switch's issuer config: a switch started with it.
    await stack.restartSwitch({ issuer: { host: stack.issuer.host, port: stack.issuer.port, timeoutMs: 1000, dialect: file } });
    const { t, line } = await stack.signedOn(0);
    const card = stack.card(false);
    const before = stack.issuer.balance(card.pan)!;
    const { request, reply } = await stack.sale(t, line, card, 1_234);
    assert.equal(reply?.message.fields[39], '00');
    assert.equal(stack.issuer.balance(card.pan), before - 1_234);
    const rev = t.reversalOf(request, '96');
    assert.equal((await line.exchange(rev, t.pack(rev)))?.message.fields[39], '00');
    assert.equal(stack.issuer.balance(card.pan), before);
    assert.deepEqual(stack.ledgerFor(t.terminalId, String(request.fields[11])).map((e) => [e.mti, e.type, e.responseCode]), [['0200', 'debit', '00'], ['0400', 'reversal', '00']]);
  });
});
