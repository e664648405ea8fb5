// Reads a scenario file: YAML with line numbers, then the strict schema. Every mistake is reported with its path in
// the file, its line where the YAML still has one, and what was expected. Nothing starts until this passes.
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isNode, type Document } from 'yaml';
import type { core } from 'zod';
import { Scenario } from './scenario-schema';
import { semanticProblems } from './scenario-checks';

export interface ScenarioProblem {
  path: string;
  line?: number;
  message: string;
}

export class ScenarioError extends Error {
  constructor(readonly file: string, readonly problems: ScenarioProblem[]) {
    super(`${file}: invalid scenario\n` + problems.map((p) => '  ' + formatProblem(p)).join('\n'));
    this.name = 'ScenarioError';
  }
}

export function formatProblem(p: ScenarioProblem): string {
  return `${p.path || '(top level)'}${p.line !== undefined ? ` (line ${p.line})` : ''}: ${p.message}`;
}

export function loadScenarioFile(file: string): Scenario {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ScenarioError(file, [{ path: '', message: `cannot read the file: ${(e as Error).message}` }]);
  }
  return parseScenario(text, file);
}

export function parseScenario(text: string, file = '<scenario>'): Scenario {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new ScenarioError(
      file,
      doc.errors.map((e) => ({ path: '', line: lines.linePos(e.pos[0]).line, message: `YAML: ${e.message.split('\n')[0]}` })),
    );
  }
  const data: unknown = doc.toJS();
  if (data === null || typeof data !== 'object' || Array.isArray(data)) {
    throw new ScenarioError(file, [{ path: '', message: 'expected a mapping of scenario settings (name, seed, fleet, load, ...)' }]);
  }
  const parsed = Scenario.safeParse(data);
  // The cross-setting checks read the raw file, so they run even when the schema found mistakes: all at once.
  const problems = parsed.success ? [] : parsed.error.issues.map((i) => describeIssue(i, doc, lines));
  for (const p of semanticProblems(data)) {
    const problem = { path: formatPath(p.path), line: lineOf(doc, lines, p.path, false), message: p.message };
    if (!problems.some((q) => q.path === problem.path && q.message === problem.message)) problems.push(problem);
  }
  if (problems.length > 0 || !parsed.success) {
    problems.sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
    throw new ScenarioError(file, problems);
  }
  return parsed.data;
}

function formatPath(path: PropertyKey[]): string {
  return path.map((k) => (typeof k === 'number' ? `[${k}]` : `.${String(k)}`)).join('').replace(/^\./, '');
}

function describeIssue(issue: core.$ZodIssue, doc: Document, lines: LineCounter): ScenarioProblem {
  const path = formatPath(issue.path);
  let message = issue.message;
  if (issue.code === 'unrecognized_keys') {
    message = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')} (not a setting here; check the spelling)`;
    const line = lineOf(doc, lines, [...issue.path, issue.keys[0]], true);
    return { path, line, message };
  }
  return { path, line: lineOf(doc, lines, issue.path, false), message };
}

/** The line of the node at `path`, or of its closest ancestor that exists (a missing key is reported at its parent). */
function lineOf(doc: Document, lines: LineCounter, path: PropertyKey[], keyLine: boolean): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const sub = path.slice(0, n) as (string | number)[];
    const node = n === 0 ? doc.contents : doc.getIn(sub, true);
    if (keyLine && n === path.length && n > 0) {
      const parent = n === 1 ? doc.contents : doc.getIn(sub.slice(0, -1), true);
      const pair = (parent as { items?: { key?: { value?: unknown; range?: number[] } }[] } | null)?.items?.find(
        (it) => (it.key as { value?: unknown } | undefined)?.value === sub[sub.length - 1],
      );
      const range = pair?.key?.range;
      if (range) return lines.linePos(range[0]).line;
    }
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}
