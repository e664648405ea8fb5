// The table printed on the terminal at the end of a run.
import type { RunReport } from './report';

function fmt(v: number | null | undefined, digits = 0): string {
  if (v === null || v === undefined) return 'n/a';
  return digits > 0 ? v.toFixed(digits) : String(v);
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd()).join('\n');
}

export function summaryText(r: RunReport): string {
  const f = r.figures;
  const L = (v: number | null, digits = 0) => (f.ledgerAvailable ? fmt(v, digits) : 'n/a (no ledger)');
  const sent = Object.entries(r.load.sent).map(([k, n]) => `${n} ${k}`).join(', ') || 'none';
  const lines: string[] = [];
  lines.push(`posfault run: ${r.scenario.name} (seed ${r.scenario.seed}${r.scenario.scale !== 1 ? `, scale ${r.scenario.scale}` : ''}) in ${(r.durationMs / 1000).toFixed(1)} s`);
  lines.push(`intents: ${sent}; outcomes: ${Object.entries(r.load.outcomes).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
  lines.push('');
  lines.push(
    table([
      ['figure', 'value', 'detail'],
      ['reversal success rate', L(f.reversalSuccessRate, 4), `${f.reversalsCompleted}/${f.reversalsInitiated} completed`],
      ['unprinted-but-debited', L(f.unprintedButDebited), 'debited, no receipt'],
      ['duplicate charges leaked', L(f.duplicateChargesLeaked), `${f.duplicateChargesPrevented} prevented of ${f.intentsReachedMoreThanOnce} repeated`],
      ['printed-but-not-debited', L(f.printedButNotDebited), "merchant's loss"],
      ['altered requests', L(f.alteredRequests), 'issuer acted on what no terminal sent'],
      ['unmatched ledger debits', L(f.unmatchedDebits), 'no attempt explains them'],
      ['sale approval rate', fmt(f.approvalRate, 4), 'approved with receipt / sales'],
      ['sale latency p50/p99/max', `${fmt(f.saleLatencyMs.p50)}/${fmt(f.saleLatencyMs.p99)}/${fmt(f.saleLatencyMs.max)} ms`, `${f.saleLatencyMs.count} sales`],
      ...(f.settlement
        ? [['batches settled', `${f.settlement.balanced + f.settlement.unbalanced}/${f.settlement.terminals}`, `${f.settlement.unbalanced} unbalanced, ${f.settlement.uploaded} uploaded, ${f.settlement.failed} failed`]]
        : []),
    ]),
  );
  lines.push('');
  lines.push(
    table([
      ['SLO', 'target', 'actual', 'verdict'],
      ...r.slos.map((s) => [s.name, s.target, fmt(s.actual, s.actual !== null && !Number.isInteger(s.actual) ? 4 : 0), s.verdict.toUpperCase()]),
    ]),
  );
  for (const w of r.warnings) lines.push(`warning: ${w}`);
  for (const l of r.limitations) lines.push(`note: ${l}`);
  lines.push('');
  lines.push(`verdict: ${r.verdict.toUpperCase()}`);
  return lines.join('\n') + '\n';
}
