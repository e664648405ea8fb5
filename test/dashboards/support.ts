// Shared helpers of the dashboards tests: where the repository is, the files under test, and the PromQL each of
// them holds, with the metric names and labels that PromQL refers to.
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';

/** The repository root: the nearest folder above this file holding package.json (works from dist/ or .build/x/). */
export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${__dirname}`);
    dir = up;
  }
  return dir;
}

export const ROOT = repoRoot();
/** The compiled CLI next to this compiled test (the same outDir). */
export const CLI = path.resolve(__dirname, '..', '..', 'harness', 'cli', 'main.js');

export const files = {
  prometheus: path.join(ROOT, 'dashboards', 'prometheus', 'prometheus.yml'),
  rules: path.join(ROOT, 'dashboards', 'prometheus', 'rules.yml'),
  rulesTest: path.join(ROOT, 'dashboards', 'prometheus', 'rules.test.yml'),
  datasources: path.join(ROOT, 'dashboards', 'grafana', 'provisioning', 'datasources', 'prometheus.yml'),
  dashboardProvider: path.join(ROOT, 'dashboards', 'grafana', 'provisioning', 'dashboards', 'posfault.yml'),
  dashboards: [path.join(ROOT, 'dashboards', 'grafana', 'posfault-overview.json'), path.join(ROOT, 'dashboards', 'grafana', 'posfault-components.json')],
  compose: path.join(ROOT, 'docker-compose.yml'),
  toxiproxyConfig: path.join(ROOT, 'dashboards', 'toxiproxy', 'proxies.json'),
};

export function readYaml<T = unknown>(file: string): T {
  return parseYaml(readFileSync(file, 'utf8'), { merge: true }) as T;
}

export function readJson<T = unknown>(file: string): T {
  return JSON.parse(readFileSync(file, 'utf8')) as T;
}

export interface Rule {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export function rules(): Rule[] {
  const doc = readYaml<{ groups: { name: string; rules: Rule[] }[] }>(files.rules);
  return doc.groups.flatMap((g) => g.rules);
}

export interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: { refId: string; expr: string; datasource?: { type: string; uid: string } }[];
  panels?: Panel[];
}

export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: { name: string; datasource?: { type: string; uid: string }; definition?: string; query?: { query: string } | string }[] };
}

/** Every panel, rows' nested panels included. */
export function allPanels(d: Dashboard): Panel[] {
  return d.panels.flatMap((p) => [p, ...(p.panels ?? [])]);
}

/** The PromQL of a dashboard: panel targets and query variables (label_values(...) included), with Grafana's
 *  variables replaced by values PromQL accepts. */
export function dashboardQueries(d: Dashboard): { where: string; expr: string }[] {
  const out: { where: string; expr: string }[] = [];
  for (const p of allPanels(d)) for (const t of p.targets ?? []) out.push({ where: `${d.uid} panel ${p.id} "${p.title}" ${t.refId}`, expr: grafanaToPromql(t.expr) });
  for (const v of d.templating.list) {
    const q = typeof v.query === 'string' ? v.query : v.query?.query ?? v.definition ?? '';
    const m = /^label_values\((.*),\s*(\w+)\)$/.exec(q.trim());
    // label_values(selector, label): the selector must carry the label.
    if (m) out.push({ where: `${d.uid} variable ${v.name}`, expr: `sum by (${m[2]}) (${grafanaToPromql(m[1])})` });
  }
  return out;
}

export function grafanaToPromql(expr: string): string {
  return expr.replace(/\$__rate_interval|\$__interval|\$__range/g, '1m').replace(/\$\{?(\w+)\}?/g, '.*');
}

export interface Selector {
  metric: string;
  /** Label matchers: name, operator, value. */
  matchers: { label: string; op: string; value: string }[];
  /** The function the selector is the first argument of, if any (rate, increase, deriv...). */
  fn?: string;
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const LABEL_LISTS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
// Aggregations may put their `by (...)` before the parenthesis: `sum by (job) (x)`.
const AGGREGATIONS = new Set(['sum', 'avg', 'min', 'max', 'count', 'group', 'stddev', 'stdvar', 'topk', 'bottomk', 'quantile', 'count_values', 'limitk', 'limit_ratio']);

/** The metric selectors and the grouping labels (by, without, on...) of a PromQL expression. A small scanner,
 *  enough for the PromQL these files hold: identifiers followed by "(" are functions, the rest are metrics. */
export function scanPromql(expr: string): { selectors: Selector[]; grouping: string[] } {
  const selectors: Selector[] = [];
  const grouping: string[] = [];
  const fnStack: (string | undefined)[] = [];
  let i = 0;
  let pendingFn: string | undefined;
  const skipSpace = () => {
    while (i < expr.length && /\s/.test(expr[i])) i++;
  };
  while (i < expr.length) {
    const ch = expr[i];
    if (ch === '"' || ch === "'") {
      const end = expr.indexOf(ch, i + 1);
      i = end < 0 ? expr.length : end + 1;
    } else if (ch === '[') {
      i = expr.indexOf(']', i) + 1;
    } else if (ch === '(') {
      fnStack.push(pendingFn);
      pendingFn = undefined;
      i++;
    } else if (ch === ')') {
      fnStack.pop();
      i++;
    } else if (/[a-zA-Z_:]/.test(ch)) {
      const m = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(expr.slice(i))!;
      const word = m[0];
      i += word.length;
      skipSpace();
      if (LABEL_LISTS.has(word)) {
        if (expr[i] === '(') {
          const end = expr.indexOf(')', i);
          grouping.push(...expr.slice(i + 1, end).split(',').map((s) => s.trim()).filter(Boolean));
          i = end + 1;
        }
      } else if (KEYWORDS.has(word)) {
        // nothing
      } else if (expr[i] === '(' || AGGREGATIONS.has(word)) {
        pendingFn = word;
      } else {
        const sel: Selector = { metric: word, matchers: [] };
        const enclosing = fnStack[fnStack.length - 1];
        if (enclosing) sel.fn = enclosing;
        if (expr[i] === '{') {
          const end = findClosingBrace(expr, i);
          const body = expr.slice(i + 1, end);
          for (const mm of body.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"/g)) sel.matchers.push({ label: mm[1], op: mm[2], value: mm[3] });
          i = end + 1;
        }
        selectors.push(sel);
      }
    } else {
      i++;
    }
  }
  return { selectors, grouping };
}

function findClosingBrace(s: string, open: number): number {
  let inString = false;
  for (let i = open + 1; i < s.length; i++) {
    if (s[i] === '"' && s[i - 1] !== '\\') inString = !inString;
    else if (!inString && s[i] === '}') return i;
  }
  throw new Error(`unclosed { in ${s}`);
}

export interface ComposeService {
  image?: string;
  build?: unknown;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string> | string[];
  ports?: string[];
  profiles?: string[];
  network_mode?: string;
  depends_on?: string[] | Record<string, unknown>;
  volumes?: string[];
}

export function compose(): { services: Record<string, ComposeService>; volumes?: Record<string, unknown> } {
  return readYaml(files.compose);
}

/** The scrape targets of prometheus.yml by job name. */
export function scrapeTargets(): Map<string, string[]> {
  const doc = readYaml<{ scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[] }>(files.prometheus);
  return new Map(doc.scrape_configs.map((c) => [c.job_name, c.static_configs.flatMap((s) => s.targets)]));
}

/** The value after a flag in an argv list (`--port 7001` or `--port=7001` or Go's `-port=8474`). */
export function flagValue(argv: string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag) return argv[i + 1];
    if (argv[i].startsWith(`${flag}=`)) return argv[i].slice(flag.length + 1);
  }
  return undefined;
}
