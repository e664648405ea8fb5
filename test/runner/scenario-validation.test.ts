import { strict as assert } from 'node:assert';
import { buildPlan } from '../../harness/runner/plan';
import { parseScenario, ScenarioError } from '../../harness/runner/scenario-load';

const GOOD = `name: tiny
seed: 7
duration: 2s
fleet:
  terminals: 4
load:
  rate: 20
faults:
  - kind: toxic
    link: terminal
    type: latency
    attributes: { latency: 100 }
    at: 1s
    for: 500ms
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

describe('scenario files: validation before anything starts', () => {
  it('accepts a well-formed file and fills the defaults', () => {
    const s = parseScenario(GOOD, 'test.yaml');
    assert.equal(s.duration, 2000);
    assert.equal(s.settle, 5000);
    assert.equal(s.fleet.terminals, 4);
    assert.deepEqual(s.fleet.groups.map((g) => [g.firstIndex, g.firstId, g.terminals, g.mode, g.merchantId]), [[0, '10000001', 4, 'long', '898310048160001']]);
    assert.equal(s.switch.safeguards.duplicateDetection, true);
    assert.equal(s.faults[0].kind, 'toxic');
    assert.equal(s.faults[0].for, 500);
  });

  it('reports an unknown key with its path and line instead of ignoring it', () => {
    const p = problems(GOOD.replace('  terminals: 4\n', '  terminals: 4\n  mdoe: dialup\n'));
    assert.equal(p.length, 1);
    assert.equal(p[0].path, 'fleet');
    assert.equal(p[0].line, 6);
    assert.match(p[0].message, /unknown key "mdoe"/);
  });

  it('reports an unknown key inside a fault', () => {
    const p = problems(GOOD.replace('    for: 500ms\n', '    for: 500ms\n    durration: 1s\n'));
    assert.equal(p[0].path, 'faults[0]');
    assert.equal(p[0].line, 15);
    assert.match(p[0].message, /"durration"/);
  });

  it('says what a duration should look like, at the line of the bad value', () => {
    const p = problems(GOOD.replace('    at: 1s\n', '    at: 1000\n'));
    assert.equal(p[0].path, 'faults[0].at');
    assert.equal(p[0].line, 13);
    assert.match(p[0].message, /250ms/);
  });

  it('reports every mistake at once, with the expected values of an enum', () => {
    const p = problems(GOOD.replace('type: latency', 'type: latencyy').replace('rate: 20', 'rate: -3').replace('link: terminal', 'link: modem'));
    const paths = p.map((x) => x.path).sort();
    assert.deepEqual(paths, ['faults[0].link', 'faults[0].type', 'load.rate']);
    assert.match(p.find((x) => x.path === 'faults[0].link')?.message ?? '', /terminal.*issuer/);
  });

  it('rejects an unknown fault kind, naming the kinds it knows', () => {
    const p = problems(GOOD.replace('kind: toxic', 'kind: meteor'));
    assert.equal(p[0].path, 'faults[0].kind');
    assert.match(p[0].message, /toxic/);
  });

  it('needs a seed, a fleet and SLOs, and exactly one of rate or stages', () => {
    const p = problems('name: x\nduration: 1s\nload: { rate: 1, stages: [{ duration: 1s, rate: 2 }] }\n');
    const paths = p.map((x) => x.path);
    assert.ok(paths.includes('seed'));
    assert.ok(paths.includes('fleet'));
    assert.ok(paths.includes('slos'));
    assert.ok(p.some((x) => /exactly one/.test(x.message)), JSON.stringify(p));
  });

  it('checks terminal indices against the fleet, and shared-id pairs', () => {
    const text = GOOD.replace('  terminals: 4\n', '  terminals: 4\n  sharedIds: [[0, 9]]\n') +
      'faults:\n'.slice(0, 0);
    const p = problems(text.replace('faults:\n', 'faults:\n  - { kind: stan-reset, terminals: [1, 4], at: 1s }\n'));
    assert.deepEqual(p.map((x) => x.path).sort(), ['faults[0].terminals[1]', 'fleet.sharedIds[0][1]']);
    assert.match(p[0].message, /outside the fleet \(0 to 3\)/);
  });

  it('reports YAML syntax errors with their line', () => {
    const p = problems('name: x\nseed: [1, 2\nfleet: {}\n');
    assert.ok(p[0].line !== undefined && p[0].line >= 2);
    assert.match(p[0].message, /^YAML/);
  });

  it('rejects a duplicated key', () => {
    const p = problems(GOOD + 'seed: 8\n');
    assert.match(p[0].message, /YAML.*[Uu]nique|duplicate/i);
  });

  it('rejects a file that is not a mapping', () => {
    const p = problems('- 1\n- 2\n');
    assert.match(p[0].message, /expected a mapping/);
  });

  it('settlementFailures needs settlement: true; a STAN reset takes no "for"', () => {
    const p = problems(
      GOOD.replace('slos:\n  duplicateCharges: { max: 0 }\n', 'slos:\n  settlementFailures: { max: 0 }\n').replace('faults:\n', 'faults:\n  - { kind: stan-reset, terminals: all, at: 1s, for: 1s }\n'),
    );
    assert.deepEqual(p.map((x) => x.path).sort(), ['faults[0].for', 'slos.settlementFailures']);
  });

  it('printer faults need virtual printers', () => {
    const p = problems(GOOD.replace('faults:\n', 'faults:\n  - { kind: printer, terminals: all, fault: paper-out, at: 1s }\n'));
    assert.equal(p[0].path, 'faults[0].fault');
  });

  it('checks toxic attributes against the proxy\'s registry: a misspelt name, a wrong type, out of range, an unknown type', () => {
    const p = problems(
      GOOD.replace('attributes: { latency: 100 }', 'attributes: { latncy: 100 }').replace(
        'slos:',
        '  - { kind: toxic, link: terminal, type: line_noise, attributes: { ber_ppm: 2000000, burst_bits: "8" }, at: 1s }\n' +
          '  - { kind: toxic, link: issuer, type: bandwidth, at: 1s }\n' +
          '  - { kind: toxic, link: issuer, type: lag, at: 1s }\nslos:',
      ),
    );
    const by = Object.fromEntries(p.map((x) => [x.path, x]));
    assert.match(by['faults[0].attributes.latncy']?.message ?? '', /unknown attribute "latncy" for toxic latency \(expected: latency, jitter\)/);
    assert.equal(by['faults[0].attributes.latncy']?.line, 12);
    assert.match(by['faults[1].attributes.ber_ppm']?.message ?? '', /at most 1000000/);
    assert.match(by['faults[1].attributes.burst_bits']?.message ?? '', /whole number/);
    assert.match(by['faults[2].attributes']?.message ?? '', /rate must be at least 1.*set it/);
    assert.match(by['faults[3].type']?.message ?? '', /unknown toxic type "lag".*line_noise/);
    assert.equal(p.length, 5, JSON.stringify(p));
  });

  it('reports schema mistakes and cross-setting mistakes of one file together', () => {
    const p = problems(GOOD.replace('  terminals: 4\n', '  terminals: 4\n  mdoe: dialup\n').replace('attributes: { latency: 100 }', 'attributes: { latncy: 100 }'));
    assert.deepEqual(p.map((x) => x.path).sort(), ['faults[0].attributes.latncy', 'fleet']);
  });

  it('checks before start: 8-digit ids, latency and SAF bounds, slowBy, a count larger than the fleet, load.cards', () => {
    const p = problems(
      GOOD.replace('  terminals: 4\n', '  terminals: 4\n  firstId: "99999998"\n  printers: { sink: virtual }\n')
        .replace('load:\n', 'issuer:\n  accounts: 10\n  latency: { min: 200ms, max: 20ms }\nswitch:\n  saf: { interval: 2s, maxInterval: 1s }\nload:\n  cards: 11\n')
        .replace('faults:\n', 'faults:\n  - { kind: printer, terminals: { count: 5 }, fault: paper-out, slowBy: 1s, at: 1s }\n'),
    );
    assert.deepEqual(p.map((x) => x.path).sort(), [
      'faults[0].slowBy',
      'faults[0].terminals.count',
      'fleet.firstId',
      'issuer.latency',
      'load.cards',
      'switch.saf',
    ]);
    assert.match(p.find((x) => x.path === 'fleet.firstId')?.message ?? '', /past 99999999/);
    assert.match(p.find((x) => x.path === 'faults[0].terminals.count')?.message ?? '', /5 terminals asked for, the fleet has 4/);
  });

  it('load.cards limits the cards the plan draws from', () => {
    const s = parseScenario(GOOD.replace('load:\n', 'issuer:\n  accounts: 50\nload:\n  cards: 2\n'), 'test.yaml');
    const plan = buildPlan(s);
    assert.ok(plan.intents.length > 10);
    assert.deepEqual([...new Set(plan.intents.map((i) => i.cardIndex))].sort(), [0, 1]);
  });
});

