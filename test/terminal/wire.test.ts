import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { getDialect } from '../../harness/iso8583';
import { Wire } from '../../harness/terminal/wire';

describe('terminal wire: the dialect decides which codes mean "sign on again"', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'posfault-wire-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  function dialectFile(name: string, change: (d: Record<string, unknown>) => void): string {
    const d = JSON.parse(JSON.stringify(getDialect('cup-pos'))) as Record<string, unknown>;
    change(d);
    const file = path.join(dir, name);
    fs.writeFileSync(file, JSON.stringify(d));
    return file;
  }

  it('cup-pos: A0, 99 and 77 (pos-profile §1.1)', () => {
    assert.deepEqual([...new Wire('cup-pos').signOnAgainCodes].sort(), ['77', '99', 'A0']);
  });

  it("an acquirer's own list replaces it", () => {
    const file = dialectFile('acq.json', (d) => {
      d.name = 'acquirer-x';
      d.signOnAgainCodes = ['A0', 'Z9'];
    });
    const codes = new Wire(file).signOnAgainCodes;
    assert.ok(codes.has('Z9') && codes.has('A0') && !codes.has('77'));
  });

  it('a malformed code is a dialect error naming the path', () => {
    const file = dialectFile('bad.json', (d) => {
      d.signOnAgainCodes = ['a0'];
    });
    assert.throws(() => getDialect(file), /signOnAgainCodes/);
  });
});
