// One run of a scenario, start to verdict: start the stack, sign the fleet on, play the load and the fault
// schedule, let reversals and reprints settle, reconcile the records, judge the SLOs and write the report.
import { writeFileSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import { Registry } from 'prom-client';
import {
  computeFigures,
  createLiveMetrics,
  judgeFaults,
  judgeSlos,
  junitXml,
  overallVerdict,
  openMetricsServer,
  registerFleetMetrics,
  type FaultEffects,
  summaryText,
  writeReport,
  type MetricsServer,
  type RunReport,
  type SettlementFigures,
} from '../metrics';
import { reconcile, type ReconcileInput, type Reconciliation } from '../reconcile';
import { describeFault, FaultApplier } from './faults';
import { buildTrails } from './finding-trails';
import { LoadDriver } from './load';
import { buildPlan, type RunPlan } from './plan';
import { ProgressReporter } from './progress';
import { ReceiptLog } from './recording-sink';
import type { Scenario } from './scenario-schema';
import { startStack, type Stack } from './stack';
import { TrailRecorder } from './trails';

export interface RunOptions {
  file: string;
  seed?: string;
  scale?: number;
  outDir?: string;
  junitFile?: string;
  switchAddress?: { host: string; port: number };
  toxiproxyUrl?: string;
  /** Serve /metrics on 127.0.0.1:<port> during the run: absent, DEFAULT_METRICS_PORT (a free port if that one is
   *  taken); a number, that port (0 = a free one; taken = a failure to start); null, no metrics server. */
  metricsPort?: number | null;
  metricsHost?: string;
  /** Progress and notices; stderr by default. */
  progress?: NodeJS.WriteStream;
  /** Aborting (Ctrl-C) stops the load, takes the faults out, settles briefly and still reconciles and reports. */
  signal?: AbortSignal;
}

export interface RunResult {
  report: RunReport;
  outDir: string;
  reportFile: string;
  junitFile: string;
  summary: string;
}

/** A failure to start the stack (exit code 2), as opposed to a run whose SLOs fail. */
export class StartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartError';
  }
}

function timestamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export function defaultOutDir(scenarioName: string, at = new Date()): string {
  return path.join('out', `${scenarioName}-${timestamp(at)}`);
}

export async function runScenario(scenario: Scenario, opts: RunOptions): Promise<RunResult> {
  const out = opts.progress ?? process.stderr;
  const notice = (m: string) => out.write(`posfault: ${m}\n`);
  const startedAt = new Date();
  const plan: RunPlan = buildPlan(scenario, { ...(opts.seed !== undefined ? { seed: opts.seed } : {}), scale: opts.scale ?? 1 });
  const outDir = opts.outDir ?? defaultOutDir(scenario.name, startedAt);
  mkdirSync(outDir, { recursive: true });
  // The plan as built from the scenario and the seed: identical for the same seed, whatever the run then does.
  writeFileSync(path.join(outDir, 'plan.json'), JSON.stringify(plan, null, 1) + '\n');
  const registry = new Registry();
  const live = createLiveMetrics(registry);
  const warnings: string[] = [];
  const limitations: string[] = [];
  const receiptLog = new ReceiptLog();
  mkdirSync(path.join(outDir, 'records'), { recursive: true });
  const trails = new TrailRecorder(path.join(outDir, 'records', 'messages.bin'));

  let metricsServer: MetricsServer | undefined;
  if (opts.metricsPort !== null) {
    try {
      metricsServer = await openMetricsServer(registry, opts.metricsPort, opts.metricsHost ?? '127.0.0.1', notice);
    } catch (err) {
      trails.close();
      throw new StartError((err as Error).message);
    }
    notice(`metrics on ${metricsServer.url}`);
  }
  let stack: Stack;
  try {
    stack = await startStack({
      scenario,
      seed: plan.seed,
      workDir: path.join(outDir, 'state'),
      registry,
      ...(opts.switchAddress ? { switchAddress: opts.switchAddress } : {}),
      ...(opts.toxiproxyUrl ? { toxiproxyUrl: opts.toxiproxyUrl } : {}),
      receipts: receiptLog,
      trails,
    });
  } catch (err) {
    trails.close();
    await metricsServer?.close();
    throw new StartError(`could not start the stack: ${(err as Error).message}`);
  }
  registerFleetMetrics(registry, () => stack.fleet.stats(), () => receiptLog.tally);
  if (opts.switchAddress) {
    limitations.push(
      `the switch under test (${opts.switchAddress.host}:${opts.switchAddress.port}) is not ours: its safeguards and keys cannot be changed from here, ` +
        `its store-and-forward reversals are not visible (switch-initiated reversals are not counted), and the ledger figures are only computed ` +
        `if it routes to the issuer link ${stack.proxies.issuer.listen}`,
    );
  }

  const t0Holder = { t0: Date.now() };
  const counts = { approved: 0, declined: 0, failed: 0, skipped: 0 };
  const sentByKind: Record<string, number> = {};
  const outcomes: Record<string, number> = {};
  const saleLatencies: number[] = [];
  const saleOutcomes: string[] = [];
  let phase: 'load' | 'settle' | 'reconcile' = 'load';
  let reversalsPending = 0;

  const applier = new FaultApplier({
    proxies: stack.proxies,
    ...(stack.switch ? { switch: stack.switch } : {}),
    issuer: stack.issuer,
    safeguards: scenario.switch.safeguards,
    fleet: stack.fleet,
    terminalId: (i) => stack.fleet.terminalInfo(i).terminalId,
    printer: (i) => stack.printers[i],
    warn: (m) => {
      warnings.push(m);
      notice(`warning: ${m}`);
    },
    onChange: (f, on) => {
      if (f.end === undefined) return;
      const type = f.kind === 'toxic' ? f.type : f.kind === 'maintenance' ? f.mode : f.kind === 'safeguard' ? f.name : f.kind === 'printer' ? f.fault : f.kind;
      live.faultChanged('link' in f ? f.link : f.kind === 'maintenance' || f.kind === 'declines' ? 'issuer' : f.kind === 'printer' ? 'printer' : 'switch', f.kind, type, on ? 1 : -1);
    },
  });

  const progress = new ProgressReporter(
    () => ({
      elapsedMs: Date.now() - t0Holder.t0,
      phase,
      sent: driver.sent,
      planned: plan.intents.length,
      approved: counts.approved,
      failed: counts.failed,
      reversalsPending,
      faults: applier.inForce().map(describeFault),
    }),
    out,
  );
  const driver = new LoadDriver(
    stack.fleet,
    stack.accounts,
    {
      sent: (i) => {
        sentByKind[i.kind] = (sentByKind[i.kind] ?? 0) + 1;
        live.intentSent(i.kind);
      },
      finished: (r) => {
        outcomes[r.outcome] = (outcomes[r.outcome] ?? 0) + 1;
        if (r.outcome.startsWith('approved')) counts.approved++;
        else if (r.outcome === 'declined') counts.declined++;
        else counts.failed++;
        if (r.intent.kind === 'sale') {
          saleLatencies.push(r.latencyMs);
          saleOutcomes.push(r.outcome);
        }
        live.intentFinished(r.intent.kind, r.outcome.startsWith('error') ? 'error' : r.outcome, r.responseCode, r.latencyMs);
      },
      skipped: () => {
        counts.skipped++;
      },
    },
    Math.max(64, scenario.fleet.terminals * 2),
  );

  const collect = (): ReconcileInput => ({
    ledger: stack.issuer.ledger(),
    attempts: stack.fleet.attempts(),
    switchReversals: stack.switch ? stack.switch.safRecords() : [],
    receipts: receiptLog.records,
    outcomes: stack.fleet.outcomes(),
  });
  const refreshPending = () => {
    const saf = stack.switch ? stack.switch.safRecords().filter((r) => r.status === 'pending').length : 0;
    reversalsPending = stack.fleet.stats().pendingReversals + saf;
    live.setReversalsPending(reversalsPending);
  };
  // Live reconciliation for the /metrics gauges: every 3 s, or less often when reconciling takes long (a big run),
  // so that it never takes more than ~5% of the time.
  let liveTimer: NodeJS.Timeout | undefined;
  let liveStopped = false;
  const liveTick = () => {
    const began = Date.now();
    try {
      refreshPending();
      live.reconciled(reconcile(collect()));
    } catch {
      /* a half-written journal line: next time */
    }
    if (liveStopped) return;
    liveTimer = setTimeout(liveTick, Math.max(3000, 20 * (Date.now() - began)));
    liveTimer.unref();
  };
  liveTimer = setTimeout(liveTick, 3000);
  liveTimer.unref();
  const stopLive = () => {
    liveStopped = true;
    clearTimeout(liveTimer);
  };

  let report: RunReport;
  try {
    const failures = await stack.fleet.signOnAll(64);
    if (failures.length > 0) warnings.push(`${failures.length} terminal(s) could not sign on before the load (first: terminal ${failures[0].terminalIndex}, ${failures[0].result.responseCode ?? 'no response'})`);

    // The fault schedule and the load run on one clock from t0.
    t0Holder.t0 = Date.now();
    progress.start();
    let chain: Promise<void> = Promise.resolve();
    const serial = (fn: () => Promise<void>) => (chain = chain.then(fn));
    const timers: NodeJS.Timeout[] = [];
    for (const f of plan.faults) {
      timers.push(setTimeout(() => void serial(() => applier.start(f)), Math.max(0, f.start)));
      if (f.end !== undefined) timers.push(setTimeout(() => void serial(() => applier.stop(f)), Math.max(0, f.end)));
    }
    const signal = opts.signal;
    const onAbort = () => {
      driver.stop();
      warnings.push('interrupted: the load was stopped early; the figures cover what ran');
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    await driver.play(plan.intents, t0Holder.t0);
    const loadLeft = t0Holder.t0 + plan.loadDuration - Date.now();
    if (loadLeft > 0) await sleep(loadLeft, signal);
    // Faults planned past the end of the load still end on their own schedule; wait for them (bounded by the plan).
    const lastEnd = Math.max(0, ...plan.faults.map((f) => f.end ?? f.start));
    const faultsLeft = t0Holder.t0 + lastEnd - Date.now();
    if (faultsLeft > 0) await sleep(faultsLeft + 20, signal);
    for (const t of timers) clearTimeout(t);
    await chain;
    await serial(() => applier.stopAll());
    signal?.removeEventListener('abort', onAbort);
    if (applier.notOurs.length > 0) {
      limitations.push(`faults ${applier.notOurs.join(', ')} were not applied: the switch under test is not ours`);
    }

    phase = 'settle';
    const settleDeadline = Date.now() + (signal?.aborted ? Math.min(scenario.settle, 2000) : scenario.settle);
    if (!(await driver.drain(Math.max(scenario.settle, 120_000)))) warnings.push('some intents had not finished when the settle window began');
    await withTimeout(stack.fleet.drainReversals(), Math.max(0, settleDeadline - Date.now()));
    const quietUntil = Date.now() + Math.min(1000, scenario.settle);
    for (;;) {
      refreshPending();
      const now = Date.now();
      if (now >= settleDeadline || (reversalsPending === 0 && stack.fleet.stats().pendingReprints === 0 && now >= quietUntil)) break;
      await sleep(100);
    }
    if (reversalsPending > 0) warnings.push(`${reversalsPending} reversal(s) still pending at the end of the settle window`);
    const settlement = scenario.settlement ? await settleAll(stack, warnings) : undefined;

    phase = 'reconcile';
    progress.stop();
    stopLive();
    const input = collect();
    writeRecords(path.join(outDir, 'records'), input);
    const rec = reconcile(input);
    live.reconciled(rec);
    const ledgerAvailable = !opts.switchAddress || input.ledger.length > rec.unmatchedDebits.count;
    if (!ledgerAvailable) {
      limitations.push('no issuer ledger entry matches this run\'s attempts: the switch under test routes to another issuer, so the ledger figures are not computed');
    }
    const figures = computeFigures(rec, saleLatencies, saleOutcomes, settlement, ledgerAvailable);
    const slos = judgeSlos(scenario.slos, figures, { ledgerAvailable });
    const applicable = plan.faults.length - new Set(applier.notOurs).size;
    if (applicable > 0) slos.push(judgeFaults(applicable, applier.failures));
    const finishedAt = new Date();
    report = {
      posfault: 'run-report/1',
      scenario: { name: scenario.name, file: opts.file, ...(scenario.description ? { description: scenario.description } : {}), seed: plan.seed, scale: opts.scale ?? 1 },
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      stack: { ...stack.where, ...(metricsServer ? { metrics: metricsServer.url } : {}) },
      plan: {
        intents: plan.intents.length,
        loadDurationMs: plan.loadDuration,
        settleMs: scenario.settle,
        faults: plan.faults.map((f) => ({ id: f.id, what: describeFault(f), startMs: f.start, ...(f.end !== undefined ? { endMs: f.end } : {}), ...(f.terminalIndices ? { terminals: f.terminalIndices } : {}) })),
      },
      load: { sent: sentByKind, skipped: counts.skipped, secondSwipes: input.attempts.filter((a) => a.attempt > 1).length, outcomes },
      figures,
      slos,
      verdict: overallVerdict(slos),
      reconciliation: rec,
      faultEffects: await faultEffects(registry, stack, receiptLog),
      trails: buildTrails(rec, trails, input.ledger, input.attempts),
      limitations,
      warnings,
    };
    if (trails.droppedCount > 0) warnings.push(`message trails kept the first ${trails.size} messages; ${trails.droppedCount} later ones were not kept`);
  } finally {
    trails.close();
    stopLive();
    progress.stop();
    await stack.close();
    await metricsServer?.close();
  }

  const reportFile = writeReport(outDir, report);
  const junitFile = opts.junitFile ?? path.join(outDir, 'junit.xml');
  mkdirSync(path.dirname(junitFile), { recursive: true });
  writeFileSync(junitFile, junitXml(scenario.name, report.slos, report.durationMs, junitDetails(report.reconciliation)));
  return { report, outDir, reportFile, junitFile, summary: summaryText(report) };
}

/** Settles every terminal's batch, a few at a time; a terminal that cannot settle is counted, not fatal. */
async function settleAll(stack: Stack, warnings: string[]): Promise<SettlementFigures> {
  const n = stack.fleet.size;
  const fig: SettlementFigures = { terminals: n, balanced: 0, unbalanced: 0, failed: 0, uploaded: 0 };
  let next = 0;
  const worker = async () => {
    while (next < n) {
      const i = next++;
      try {
        const r = await stack.fleet.settle(i);
        fig.uploaded += r.uploaded;
        if (!r.ok) fig.failed++;
        else if (r.reconciliation === '1') fig.balanced++;
        else fig.unbalanced++;
      } catch (e) {
        fig.failed++;
        if (fig.failed === 1) warnings.push(`terminal ${i} could not settle: ${(e as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(16, n) }, worker));
  return fig;
}

/** The records the reconciler read, as JSON lines, so that a figure can be checked by hand. */
function writeRecords(dir: string, input: ReconcileInput): void {
  mkdirSync(dir, { recursive: true });
  const lines = (xs: readonly unknown[]) => xs.map((x) => JSON.stringify(x)).join('\n') + (xs.length > 0 ? '\n' : '');
  writeFileSync(path.join(dir, 'ledger.jsonl'), lines(input.ledger));
  writeFileSync(path.join(dir, 'attempts.jsonl'), lines(input.attempts));
  writeFileSync(path.join(dir, 'switch-reversals.jsonl'), lines(input.switchReversals));
  writeFileSync(path.join(dir, 'receipts.jsonl'), lines(input.receipts));
  writeFileSync(path.join(dir, 'outcomes.jsonl'), lines(input.outcomes ?? []));
}

/** Waits for `p` at most `ms`, leaving no timer behind. */
async function withTimeout(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([p.catch(() => undefined), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}

/** Sleeps `ms`, or less when `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** What the components said of themselves: evidence in report.json that each fault took effect. */
async function faultEffects(registry: Registry, stack: Stack, receipts: ReceiptLog): Promise<FaultEffects> {
  const s = stack.fleet.stats();
  const sum = async (name: string, label?: string): Promise<Record<string, number>> => {
    const out: Record<string, number> = {};
    const metric = registry.getSingleMetric(name);
    if (!metric) return out;
    for (const v of (await metric.get()).values) {
      const k = label ? String(v.labels[label] ?? '') : 'all';
      out[k] = (out[k] ?? 0) + v.value;
    }
    return out;
  };
  return {
    receipts: { ...receipts.tally },
    fleet: {
      dials: s.dials,
      dialFailures: { ...s.dialFailures },
      lateResponses: s.lateResponses,
      badFrames: s.badFrames,
      badResponseMacs: s.badResponseMacs,
      signOnFailures: s.signOnFailures,
      reprints: s.reprints,
      receiptOwedRefusals: s.receiptOwedRefusals,
    },
    proxy: { bytesCorrupted: (await sum('posfault_proxy_bytes_corrupted_total')).all ?? 0, lineEvents: await sum('posfault_proxy_line_events_total', 'event') },
  };
}

function junitDetails(rec: Reconciliation): Record<string, string> {
  const lines = (items: { intentId?: string; terminalId: string; stan: string; detail: string }[]) =>
    items.slice(0, 20).map((f) => `${f.intentId ?? '-'} terminal ${f.terminalId} STAN ${f.stan}: ${f.detail}`).join('\n');
  return {
    unprintedButDebited: lines(rec.unprintedButDebited.items),
    duplicateCharges: lines(rec.duplicateCharges.items),
    printedButNotDebited: lines(rec.printedButNotDebited.items),
    reversalSuccessRate: lines(rec.reversals.notCompleted),
    alteredRequests: lines(rec.alteredRequests.items),
  };
}
