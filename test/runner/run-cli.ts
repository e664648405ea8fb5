// Runs `posfault run` as a real child process and reads what it wrote.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { RunReport } from '../../harness/metrics/report';

export const ROOT = path.join(__dirname, '..', '..', '..');
/** The compiled CLI next to this test (dist/ or a .build/<who>/ folder). */
export const CLI = path.join(__dirname, '..', '..', 'harness', 'cli', 'main.js');
/** The scenario files live in the source tree, not the build output. */
export function scenarioFile(name: string): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'scenarios', `${name}.yaml`);
    try {
      readFileSync(candidate);
      return candidate;
    } catch {
      dir = path.dirname(dir);
    }
  }
  throw new Error(`scenario ${name} not found above ${__dirname}`);
}

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outDir: string;
  report?: RunReport;
  ms: number;
}

/**
 * `metricsDefault`: leave the run on its default /metrics port; otherwise a run gets `--metrics-port 0` (unless its
 * arguments choose), so that runs in parallel never compete for the default port.
 */
export function runCli(
  args: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; onStderr?: (chunk: string, child: ChildProcess) => void; metricsDefault?: boolean } = {},
): Promise<CliRun> {
  const outDir = mkdtempSync(path.join(tmpdir(), 'posfault-run-'));
  if (args[0] === 'run' && !opts.metricsDefault && !args.includes('--metrics-port') && !args.includes('--no-metrics')) args = [...args, '--metrics-port', '0'];
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args.map((a) => (a === '$OUT' ? outDir : a))], {
      env: { ...process.env, POSFAULT_LOG: 'error', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      opts.onStderr?.(d.toString(), child);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      let report: RunReport | undefined;
      try {
        report = JSON.parse(readFileSync(path.join(outDir, 'report.json'), 'utf8')) as RunReport;
      } catch {
        report = undefined;
      }
      resolve({ code, stdout, stderr, outDir, report, ms: Date.now() - started });
    });
  });
}

export function cleanup(run: CliRun | undefined): void {
  if (run) rmSync(run.outDir, { recursive: true, force: true });
}
