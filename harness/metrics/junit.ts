// A JUnit XML file for CI: one testsuite per run, one testcase per SLO.
import type { SloVerdict } from './slo';

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

export function junitXml(suite: string, slos: readonly SloVerdict[], durationMs: number, details: Record<string, string> = {}): string {
  const failures = slos.filter((s) => s.verdict !== 'holds').length;
  const cases = slos.map((s) => {
    const head = `    <testcase classname="posfault.${esc(suite)}" name="${esc(s.name)} ${esc(s.target)}" time="0">`;
    const body = `actual ${s.actual === null ? 'n/a' : s.actual}${s.note ? `; ${s.note}` : ''}${details[s.name] ? `\n${details[s.name]}` : ''}`;
    if (s.verdict === 'holds') return `${head}\n      <system-out>${esc(body)}</system-out>\n    </testcase>`;
    const msg = s.verdict === 'not-computed' ? `${s.name} could not be computed` : `${s.name} = ${s.actual} breaks ${s.target}`;
    return `${head}\n      <failure message="${esc(msg)}" type="${s.verdict === 'fails' ? 'SLOViolation' : 'NotComputed'}">${esc(body)}</failure>\n    </testcase>`;
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="posfault" tests="${slos.length}" failures="${failures}" time="${(durationMs / 1000).toFixed(3)}">`,
    `  <testsuite name="${esc(suite)}" tests="${slos.length}" failures="${failures}" errors="0" skipped="0" time="${(durationMs / 1000).toFixed(3)}">`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
