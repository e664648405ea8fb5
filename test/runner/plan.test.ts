import { strict as assert } from 'node:assert';
import { parseScenario } from '../../harness/runner/scenario-load';
import { buildPlan } from '../../harness/runner/plan';

const TEXT = `name: plan
seed: 11
duration: 20s
fleet:
  terminals: 50
issuer:
  accounts: 300
load:
  rate: 40
  mix: { void: 0.1, inquiry: 0.1, refund: 0.05 }
  secondSwipe: 0.5
faults:
  - { kind: toxic, link: issuer, type: timeout, attributes: { timeout: 0 }, at: { from: 2s, to: 15s }, for: 1s, times: 4 }
  - { kind: stan-reset, terminals: { share: 0.2 }, at: { from: 1s, to: 5s } }
  - { kind: maintenance, mode: answer-91, at: 10s }
slos: { duplicateCharges: { max: 0 } }
`;

describe('run plan: the seed fixes the faults and the intents', () => {
  const scenario = parseScenario(TEXT, 'plan.yaml');

  it('two builds from the same scenario and seed are identical', () => {
    const a = buildPlan(scenario);
    const b = buildPlan(parseScenario(TEXT, 'plan.yaml'));
    assert.deepEqual(a, b);
    assert.ok(a.intents.length > 600 && a.intents.length < 1000, `about 800 intents, got ${a.intents.length}`);
    assert.equal(a.faults.length, 6);
  });

  it('--seed overrides the file: another schedule and other intents, again repeatable', () => {
    const a = buildPlan(scenario, { seed: 12 });
    const b = buildPlan(scenario, { seed: '12' });
    const file = buildPlan(scenario);
    assert.deepEqual(a, b);
    assert.equal(a.seed, '12');
    assert.notDeepEqual(a.intents, file.intents);
    assert.notDeepEqual(a.faults.map((f) => f.start), file.faults.map((f) => f.start));
  });

  it('draws windowed fault times inside their window and resolves terminal shares', () => {
    const p = buildPlan(scenario);
    const timeouts = p.faults.filter((f) => f.kind === 'toxic');
    assert.equal(timeouts.length, 4);
    for (const f of timeouts) {
      assert.ok(f.start >= 2000 && f.start <= 15000);
      assert.equal(f.end, f.start + 1000);
    }
    const reset = p.faults.find((f) => f.kind === 'stan-reset');
    assert.equal(reset?.terminalIndices?.length, 10);
    assert.equal(reset?.end, undefined, 'a STAN reset is instant');
    const maint = p.faults.find((f) => f.kind === 'maintenance');
    assert.equal(maint?.end, 20000, 'without "for" a fault lasts to the end of the load');
    assert.deepEqual(p.faults.map((f) => f.start), [...p.faults.map((f) => f.start)].sort((x, y) => x - y));
  });

  it('voids and refunds name an earlier sale of the same terminal; a sale is voided at most once', () => {
    const p = buildPlan(scenario);
    const byId = new Map(p.intents.map((i) => [i.id, i]));
    const voided = new Set<string>();
    for (const i of p.intents) {
      assert.ok(i.cardIndex >= 0 && i.cardIndex < 300);
      assert.ok(i.amount >= 100 && i.amount <= 50000);
      if (i.kind === 'void' || i.kind === 'refund') {
        const o = byId.get(i.originalId as string);
        assert.ok(o && o.kind === 'sale' && o.terminalIndex === i.terminalIndex && o.at <= i.at);
        assert.equal(i.cardIndex, o.cardIndex);
        assert.ok(i.kind === 'void' ? i.amount === o.amount : i.amount <= o.amount);
      }
      if (i.kind === 'void') {
        assert.ok(!voided.has(i.originalId as string));
        voided.add(i.originalId as string);
      }
      if (i.kind !== 'sale') assert.equal(i.secondSwipe, false);
    }
    const kinds = new Set(p.intents.map((i) => i.kind));
    assert.deepEqual([...kinds].sort(), ['inquiry', 'refund', 'sale', 'void']);
  });

  it('a fixed number of sales, and --scale compresses the timeline', () => {
    const bySales = buildPlan(parseScenario(TEXT.replace('duration: 20s', 'sales: 100'), 'x'));
    assert.equal(bySales.intents.length, 100);
    const half = buildPlan(scenario, { scale: 0.5 });
    assert.equal(half.loadDuration, 10000);
    assert.ok(half.intents.every((i) => i.at < 10000));
    assert.ok(half.faults.filter((f) => f.kind === 'toxic').every((f) => f.start >= 1000 && f.start <= 7500 && f.end === f.start + 500));
  });

  it('ramps through stages', () => {
    const ramp = parseScenario(TEXT.replace('duration: 20s\n', '').replace('  rate: 40\n', '  stages: [{ duration: 10s, rate: 0 }, { duration: 10s, rate: 100 }]\n'), 'x');
    const p = buildPlan(ramp);
    assert.equal(p.loadDuration, 20000);
    const first = p.intents.filter((i) => i.at < 10000).length;
    const second = p.intents.length - first;
    assert.equal(first, 0, 'rate 0 throughout the first stage');
    assert.ok(second > 350 && second < 650, `a ramp 0→100/s over 10 s averages ~500, got ${second}`);
  });
});
