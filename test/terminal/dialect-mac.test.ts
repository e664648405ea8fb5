// The MAC parameters are the dialect's, on both ends of the wire: terminal and switch read padding and the cup-ecb
// key length from the same dialect file, and a terminal that MACs otherwise is answered A0.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getDialect } from '../../harness/iso8583';
import { startStack, type Stack } from './support/stack';

describe('terminal and switch: MAC parameters from the dialect', function () {
  this.timeout(20_000);
  let stack: Stack | undefined;
  let dir: string;
  let dialectFile: string;

  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'posfault-mac-dialect-'));
    const d = getDialect('cup-pos') as unknown as Record<string, unknown> & { mac: Record<string, unknown> };
    d.name = 'cup-pos-padding2-double';
    d.mac = { ...d.mac, padding: 2, cupEcbKey: 'double', keyBytes: 16 };
    dialectFile = path.join(dir, 'cup-padding2.json');
    fs.writeFileSync(dialectFile, JSON.stringify(d));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  afterEach(async () => {
    await stack?.close();
    stack = undefined;
  });

  it('a fleet and a switch on the same dialect file (padding 2, double-key cup-ecb) approve a sale', async () => {
    stack = await startStack({ switch: { dialect: dialectFile } });
    const fleet = await stack.fleet({ dialect: dialectFile });
    const out = await fleet.submit({ intentId: 'i1', ...stack.card(false), amount: 4321, terminalIndex: 0 });
    assert.equal(out.outcome, 'approved-with-receipt', JSON.stringify(out));
    assert.equal(stack.issuer.ledger().filter((e) => e.type === 'debit').length, 1);
  });

  it('a fleet on the default cup-pos MAC against that switch is answered A0 and nothing is debited', async () => {
    stack = await startStack({ switch: { dialect: dialectFile } });
    const fleet = await stack.fleet();
    const out = await fleet.submit({ intentId: 'i1', ...stack.card(false), amount: 4321, terminalIndex: 0 });
    assert.notEqual(out.outcome, 'approved-with-receipt', JSON.stringify(out));
    assert.ok(fleet.attempts().some((a) => a.responseCode === 'A0'), JSON.stringify(fleet.attempts()));
    assert.equal(stack.issuer.ledger().filter((e) => e.type === 'debit').length, 0);
  });
});
