// Every metric the rules and dashboards query exists, under that name, with those labels and of a type the query
// suits: checked against the metrics the real components register when started in-process on one prom-client
// Registry (the run's live metrics, the fault proxy, the issuer stub, the switch), not against a list kept here.
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Registry } from 'prom-client';
import { startProxyServer, type RunningProxyServer } from '../../proxies';
import { createLiveMetrics } from '../../harness/metrics';
import { startIssuer } from '../../harness/issuer';
import { defaultMerchantId, startSwitch, terminalRange } from '../../harness/switch';
import { dashboardQueries, files, readJson, rules, scanPromql, scrapeTargets, type Dashboard } from './support';

interface Known {
  type: string;
  labels: Set<string>;
  /** Label values seen on the registry now, by label (series created up front, such as result="leaked"). */
  values: Map<string, Set<string>>;
}

const TARGET_LABELS = ['job', 'instance'];
const COUNTER_FUNCTIONS = new Set(['rate', 'irate', 'increase', 'resets']);
const GAUGE_FUNCTIONS = new Set(['deriv', 'delta', 'idelta', 'predict_linear']);

describe('dashboards: metric names match the components', function () {
  this.timeout(20_000);
  const registry = new Registry();
  const known = new Map<string, Known>();
  const recorded = new Map<string, Set<string>>();
  let dir: string;
  const closers: (() => Promise<unknown>)[] = [];

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'posfault-dash-'));
    createLiveMetrics(registry);
    const proxy: RunningProxyServer = await startProxyServer({ port: 0, registry });
    closers.push(() => proxy.close());
    const issuer = await startIssuer({ port: 0, journalPath: path.join(dir, 'ledger.jsonl'), accounts: { seed: 'dash', count: 3 }, registry });
    closers.push(() => issuer.close());
    const sw = await startSwitch({
      port: 0,
      issuer: { host: issuer.host, port: issuer.port, timeoutMs: 1000 },
      terminals: terminalRange({ seed: 'dash', firstId: 10000001, count: 1, merchantId: defaultMerchantId }),
      safPath: path.join(dir, 'saf.jsonl'),
      registry,
    });
    closers.push(() => sw.close());

    for (const m of await registry.getMetricsAsJSON()) {
      const metric = registry.getSingleMetric(m.name) as unknown as { labelNames?: string[] };
      const values = new Map<string, Set<string>>();
      for (const v of m.values) {
        for (const [k, val] of Object.entries(v.labels)) {
          if (!values.has(k)) values.set(k, new Set());
          values.get(k)!.add(String(val));
        }
      }
      known.set(m.name, { type: String(m.type), labels: new Set(metric.labelNames ?? []), values });
    }
    for (const r of rules()) {
      if (!r.record) continue;
      // A recorded series keeps the labels it is grouped by (le is consumed by histogram_quantile).
      recorded.set(r.record, new Set(scanPromql(r.expr).grouping.filter((l) => l !== 'le')));
    }
  });

  after(async () => {
    for (const close of closers.reverse()) await close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Name, type and labels of a queried series name, or a reason it is unknown. */
  function resolve(name: string): { type: string; labels: Set<string>; values: Map<string, Set<string>> } | string {
    if (name === 'up') return { type: 'gauge', labels: new Set(TARGET_LABELS), values: new Map() };
    if (name.includes(':')) {
      const labels = recorded.get(name);
      return labels ? { type: 'gauge', labels, values: new Map() } : `recording rule ${name} is not defined in rules.yml`;
    }
    const direct = known.get(name);
    if (direct) return { ...direct, labels: new Set([...direct.labels, ...TARGET_LABELS]) };
    const m = /^(.+)_(bucket|sum|count)$/.exec(name);
    const base = m ? known.get(m[1]) : undefined;
    if (base && base.type === 'histogram') {
      const labels = new Set([...base.labels, ...TARGET_LABELS, ...(m![2] === 'bucket' ? ['le'] : [])]);
      return { type: m![2] === 'bucket' ? 'histogram_bucket' : 'counter', labels, values: base.values };
    }
    return `no component registers ${name}${base ? ` (${m![1]} is a ${base.type}, not a histogram)` : ''}`;
  }

  function check(where: string, expr: string): string[] {
    const problems: string[] = [];
    const { selectors, grouping } = scanPromql(expr);
    if (selectors.length === 0) problems.push(`${where}: no metric in "${expr}"`);
    const allowed = new Set<string>();
    for (const s of selectors) {
      const r = resolve(s.metric);
      if (typeof r === 'string') {
        problems.push(`${where}: ${r}`);
        continue;
      }
      r.labels.forEach((l) => allowed.add(l));
      for (const mt of s.matchers) {
        if (!r.labels.has(mt.label)) problems.push(`${where}: ${s.metric} has no label "${mt.label}" (it has ${[...r.labels].join(', ')})`);
        const seen = r.values.get(mt.label);
        if (mt.op === '=' && seen && !seen.has(mt.value)) problems.push(`${where}: ${s.metric}{${mt.label}="${mt.value}"}: the component uses ${[...seen].join(', ')}`);
      }
      if (s.fn && COUNTER_FUNCTIONS.has(s.fn) && r.type !== 'counter' && r.type !== 'histogram_bucket') problems.push(`${where}: ${s.fn}() of ${s.metric}, a ${r.type}`);
      if (s.fn && GAUGE_FUNCTIONS.has(s.fn) && r.type !== 'gauge') problems.push(`${where}: ${s.fn}() of ${s.metric}, a ${r.type}`);
    }
    for (const l of grouping) if (!allowed.has(l)) problems.push(`${where}: groups by "${l}", which none of its series has`);
    return problems;
  }

  it('finds the components\' metrics on the shared registry', () => {
    for (const prefix of ['posfault_intent_outcomes_total', 'posfault_switch_', 'posfault_issuer_', 'posfault_proxy_', 'toxiproxy_proxy_']) {
      assert.ok([...known.keys()].some((n) => n.startsWith(prefix)), `nothing named ${prefix}* on the registry`);
    }
  });

  it('rules.yml queries only metrics and labels the components export', () => {
    const problems = rules().flatMap((r) => check(r.record ?? r.alert ?? '?', r.expr));
    assert.deepEqual(problems, []);
  });

  it('the dashboards query only metrics, labels and recording rules that exist', () => {
    const problems = files.dashboards.flatMap((f) => dashboardQueries(readJson<Dashboard>(f)).flatMap((q) => check(q.where, q.expr)));
    assert.deepEqual(problems, []);
  });

  it('every headline metric of the design is charted or alerted on', () => {
    const text = [files.rules, ...files.dashboards].map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const name of [
      'posfault_reversals_completed_total', 'posfault_reversals_initiated_total', 'posfault_reversals', 'posfault_unprinted_but_debited',
      'posfault_duplicate_charge_intents', 'posfault_printed_but_not_debited', 'posfault_intent_outcomes_total', 'posfault_sale_latency_seconds_bucket',
      'posfault_faults_in_force', 'posfault_switch_in_flight', 'posfault_switch_lines_in_use', 'posfault_switch_saf_queue_depth',
      'posfault_switch_saf_retries_total', 'posfault_issuer_response_seconds_bucket', 'posfault_issuer_journal_fsync_seconds_bucket',
      'toxiproxy_proxy_sent_bytes_total', 'posfault_proxy_connections_open',
    ]) {
      assert.match(text, new RegExp(`\\b${name}\\b`), `${name} is used nowhere`);
    }
  });

  it('job names in the rules are jobs of prometheus.yml', () => {
    const jobs = new Set(scrapeTargets().keys());
    for (const r of rules()) {
      for (const s of scanPromql(r.expr).selectors) {
        for (const m of s.matchers.filter((x) => x.label === 'job')) {
          for (const j of m.value.split('|')) assert.ok(jobs.has(j), `${r.alert ?? r.record}: job "${j}" is not scraped (jobs: ${[...jobs].join(', ')})`);
        }
      }
    }
  });

  it('the checker itself catches a wrong name, label, label value and function', () => {
    assert.match(check('t', 'sum(posfault_unprinted_but_debitted)').join(), /no component registers posfault_unprinted_but_debitted/);
    assert.match(check('t', 'posfault_duplicate_charge_intents{outcome="leaked"}').join(), /has no label "outcome"/);
    assert.match(check('t', 'posfault_duplicate_charge_intents{result="leak"}').join(), /the component uses/);
    assert.match(check('t', 'rate(posfault_switch_saf_queue_depth[1m])').join(), /rate\(\) of posfault_switch_saf_queue_depth, a gauge/);
    assert.match(check('t', 'sum by (mti) (posfault_switch_in_flight)').join(), /groups by "mti"/);
    assert.match(check('t', 'posfault:no_such:rule').join(), /not defined in rules.yml/);
  });
});
