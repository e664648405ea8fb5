// fleet.groups: several id ranges, each with its mode, merchant and printers. Checked before anything starts;
// laid out in file order so that fleet indices, and so the plan, are fixed by the file and the seed.
import { strict as assert } from 'node:assert';
import { buildPlan } from '../../harness/runner/plan';
import { parseScenario, ScenarioError } from '../../harness/runner/scenario-load';

const GROUPS = `name: street
seed: 9
duration: 10s
fleet:
  groups:
    - firstId: "30000001"
      terminals: 3
      mode: dialup
      merchantId: "898310058120001"
      merchantName: CORNER BAKERY
    - firstId: "30000101"
      terminals: 5
      merchantId: "898310054110002"
      printers: { sink: virtual, paperAfter: 40 }
  sharedIds: [[1, 6]]
load:
  rate: 30
faults:
  - { kind: stan-reset, terminals: { count: 8 }, at: 1s }
slos:
  duplicateCharges: { max: 0 }
`;

function problems(text: string): { path: string; line?: number; message: string }[] {
  try {
    parseScenario(text, 'test.yaml');
  } catch (e) {
    assert.ok(e instanceof ScenarioError, `expected a ScenarioError, got ${String(e)}`);
    return e.problems;
  }
  assert.fail('the scenario was accepted');
}

const by = (p: { path: string }[]) => p.map((x) => x.path).sort();

describe('scenario files: a fleet of several groups', () => {
  it('lays the groups out in file order, each with its mode, merchant and printers; terminals is the whole fleet', () => {
    const s = parseScenario(GROUPS, 'test.yaml');
    assert.equal(s.fleet.terminals, 8);
    assert.deepEqual(
      s.fleet.groups.map((g) => [g.label, g.firstIndex, g.firstId, g.terminals, g.mode, g.merchantId, g.merchantName, g.printers]),
      [
        ['fleet.groups[0]', 0, '30000001', 3, 'dialup', '898310058120001', 'CORNER BAKERY', { sink: 'journal' }],
        ['fleet.groups[1]', 3, '30000101', 5, 'long', '898310054110002', undefined, { sink: 'virtual', paperAfter: 40 }],
      ],
    );
  });

  it('a group without printers takes fleet.printers; one that sets sink: journal drops the fleet paperAfter', () => {
    const s = parseScenario(
      GROUPS.replace('  sharedIds: [[1, 6]]\n', '  printers: { sink: virtual, paperAfter: 7 }\n').replace('printers: { sink: virtual, paperAfter: 40 }', 'printers: { sink: journal }'),
      'test.yaml',
    );
    assert.deepEqual(s.fleet.groups.map((g) => g.printers), [{ sink: 'virtual', paperAfter: 7 }, { sink: 'journal' }]);
  });

  it('the plan draws terminals from every group, deterministically for a seed; a count may span the groups', () => {
    const s = parseScenario(GROUPS, 'test.yaml');
    const a = buildPlan(s);
    assert.deepEqual(buildPlan(parseScenario(GROUPS, 'test.yaml')), a);
    const used = new Set(a.intents.map((i) => i.terminalIndex));
    assert.deepEqual([...used].sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7], 'both groups get intents');
    assert.deepEqual(a.faults[0].terminalIndices, [0, 1, 2, 3, 4, 5, 6, 7], '{ count: 8 } is the whole fleet of 3 + 5');
    assert.notDeepEqual(buildPlan(s, { seed: 10 }).intents, a.intents);
  });

  it('printer faults draw only among terminals with virtual printers; all means all of those', () => {
    const s = parseScenario(
      GROUPS.replace(
        'faults:\n',
        'faults:\n  - { kind: printer, terminals: { count: 5 }, fault: paper-out, at: 1s, for: 1s }\n  - { kind: printer, terminals: all, fault: cover-open, at: 2s, for: 1s }\n  - { kind: printer, terminals: { share: 0.4 }, fault: offline, at: 3s, for: 1s }\n',
      ),
      'test.yaml',
    );
    const plan = buildPlan(s);
    const of = (kind: string) => plan.faults.find((f) => f.kind === 'printer' && f.fault === kind)?.terminalIndices;
    assert.deepEqual(of('paper-out'), [3, 4, 5, 6, 7]);
    assert.deepEqual(of('cover-open'), [3, 4, 5, 6, 7]);
    const drawn = of('offline') ?? [];
    assert.equal(drawn.length, 2, '40% of the 5 virtual printers');
    assert.ok(drawn.every((i) => i >= 3), `only the supermarket's printers: ${drawn.join(',')}`);
  });

  it('a printer fault naming a terminal with a journal printer, or asking for more than have virtual printers, is an error', () => {
    const p = problems(
      GROUPS.replace(
        'faults:\n',
        'faults:\n  - { kind: printer, terminals: [1, 4], fault: paper-out, at: 1s }\n  - { kind: printer, terminals: { count: 6 }, fault: slow, at: 1s }\n',
      ),
    );
    assert.deepEqual(by(p), ['faults[0].terminals[0]', 'faults[1].terminals.count']);
    assert.match(p.find((x) => x.path === 'faults[0].terminals[0]')?.message ?? '', /terminal 1 \(fleet\.groups\[0\]\) has a journal printer/);
    assert.match(p.find((x) => x.path === 'faults[1].terminals.count')?.message ?? '', /6 terminals asked for, 5 of the fleet's 8 have virtual printers/);
  });

  it('terminal indices are checked against the whole fleet (all groups)', () => {
    const p = problems(GROUPS.replace('sharedIds: [[1, 6]]', 'sharedIds: [[1, 8]]').replace('terminals: { count: 8 }', 'terminals: { count: 9 }'));
    assert.deepEqual(by(p), ['faults[0].terminals.count', 'fleet.sharedIds[0][1]']);
    assert.match(p.find((x) => x.path === 'fleet.sharedIds[0][1]')?.message ?? '', /outside the fleet \(0 to 7\)/);
  });

  it('rejects an unknown key in a group, with its path and line', () => {
    const p = problems(GROUPS.replace('      terminals: 5\n', '      terminals: 5\n      mdoe: dialup\n'));
    assert.equal(p.length, 1, JSON.stringify(p));
    assert.equal(p[0].path, 'fleet.groups[1]');
    assert.equal(p[0].line, 13);
    assert.match(p[0].message, /unknown key "mdoe"/);
  });

  it('rejects overlapping ranges, naming both groups and the ids in both', () => {
    const p = problems(GROUPS.replace('"30000101"', '"30000002"'));
    assert.equal(p.length, 1, JSON.stringify(p));
    assert.equal(p[0].path, 'fleet.groups[1].firstId');
    assert.equal(p[0].line, 11);
    assert.match(p[0].message, /ids 30000002-30000003 are also in fleet\.groups\[0\] \(ids 30000001-30000003\)/);
  });

  it('rejects a group whose ids run past 8 digits', () => {
    const p = problems(GROUPS.replace('"30000101"', '"99999998"'));
    assert.deepEqual(by(p), ['fleet.groups[1].firstId']);
    assert.match(p[0].message, /5 terminals from 99999998 run past 99999999.*start at 99999995 at most/);
  });

  it('rejects empty groups: no groups at all, or a group of no terminals', () => {
    const none = problems(GROUPS.replace(/  groups:\n[\s\S]*?  sharedIds: \[\[1, 6\]\]\n/, '  groups: []\n'));
    assert.deepEqual(by(none), ['fleet.groups']);
    assert.match(none[0].message, /at least one group/);
    assert.equal(none[0].line, 5);
    const zero = problems(GROUPS.replace('terminals: 3', 'terminals: 0'));
    assert.ok(zero.some((x) => x.path === 'fleet.groups[0].terminals' && x.line === 7), JSON.stringify(zero));
  });

  it('rejects the one-range settings beside groups, each at its line', () => {
    const p = problems(GROUPS.replace('fleet:\n', 'fleet:\n  terminals: 8\n  mode: long\n'));
    assert.deepEqual(by(p), ['fleet.mode', 'fleet.terminals']);
    assert.equal(p.find((x) => x.path === 'fleet.terminals')?.line, 5);
    assert.equal(p.find((x) => x.path === 'fleet.mode')?.line, 6);
    assert.match(p[0].message, /one-range form; with groups, give it in each group/);
  });

  it('needs one form or the other, a 15-digit merchant, a short merchant name and paperAfter only with virtual printers', () => {
    const neither = problems('name: x\nseed: 1\nduration: 1s\nfleet: { mode: long }\nload: { rate: 1 }\nslos: {}\n');
    assert.deepEqual(by(neither), ['fleet']);
    assert.match(neither[0].message, /give terminals \(one id range\) or groups/);
    const p = problems(
      GROUPS.replace('"898310058120001"', '"8983100581"').replace('CORNER BAKERY', 'X'.repeat(41)).replace('      terminals: 5\n', '      terminals: 5\n      printers: { sink: journal, paperAfter: 3 }\n').replace('      printers: { sink: virtual, paperAfter: 40 }\n', ''),
    );
    assert.deepEqual(by(p), ['fleet.groups[0].merchantId', 'fleet.groups[0].merchantName', 'fleet.groups[1].printers.paperAfter']);
  });

  it('the one-range form and the same range as one group give the same fleet and the same plan', () => {
    const one = `name: one\nseed: 3\nduration: 5s\nfleet:\n  terminals: 6\n  firstId: "20000001"\n  mode: dialup\nload: { rate: 20 }\nslos: {}\n`;
    const same = one.replace('  terminals: 6\n  firstId: "20000001"\n  mode: dialup\n', '  groups: [{ firstId: "20000001", terminals: 6, mode: dialup }]\n');
    const a = parseScenario(one, 'a.yaml');
    const b = parseScenario(same, 'b.yaml');
    assert.deepEqual(a.fleet.groups.map((g) => ({ ...g, label: '' })), b.fleet.groups.map((g) => ({ ...g, label: '' })));
    assert.deepEqual(buildPlan(a), buildPlan(b));
  });
});
