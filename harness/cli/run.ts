// posfault run <scenario>: the main job. Exit 0 when every SLO holds, 1 when one fails, 2 on a bad scenario or
// a failure to start.
import { parseArgs } from 'node:util';
import { loadScenarioFile, ScenarioError } from '../runner/scenario-load';
import { runScenario, StartError, type RunOptions } from '../runner/run-scenario';

const USAGE = `usage: posfault run <scenario.yaml> [options]

Starts the embedded stack (fault proxy, issuer stub, switch, terminal fleet), plays the scenario's load and
fault schedule, lets reversals and reprints settle, reconciles the issuer ledger with the terminals' attempts
and the printed receipts, prints a summary and judges the scenario's SLOs.

options:
  --seed S            the seed (overrides the file's): same seed, same fault schedule and intents
  --out DIR           where report.json, junit.xml and the run's journals go (default out/<scenario>-<time>)
  --junit FILE        the JUnit XML file (default DIR/junit.xml)
  --switch HOST:PORT  drive a switch under test instead of the built-in one
  --toxiproxy URL     use this Toxiproxy server instead of the built-in proxy (or TOXIPROXY_URL)
  --metrics-port N    serve Prometheus metrics on 127.0.0.1:N/metrics during the run (default 9464, or a free
                      port when 9464 is taken; 0 = a free port); the URL is printed
  --no-metrics        no /metrics server
  --scale F           compress the scenario's timeline by F (0 < F; durations and fault times, not timeouts)

environment: TOXIPROXY_URL (as --toxiproxy), POSFAULT_LOG=warn|info|debug (component logs, default error)

exit status: 0 every SLO holds, 1 an SLO fails, 2 bad scenario or the stack could not start
`;

function hostPort(text: string): { host: string; port: number } | null {
  const m = /^(.+):(\d{1,5})$/.exec(text);
  if (!m) return null;
  const port = Number(m[2]);
  return port >= 1 && port <= 65535 ? { host: m[1].replace(/^\[|\]$/g, ''), port } : null;
}

export async function main(argv: string[]): Promise<number> {
  // The components' warnings (a dropped issuer connection under a fault) are what the run provokes on purpose;
  // they would bury the progress line. POSFAULT_LOG=warn (or info) brings them back.
  process.env.POSFAULT_LOG ??= 'error';
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (e) {
    process.stderr.write(`posfault run: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (args.positionals.length !== 1) {
    process.stderr.write(`posfault run: give exactly one scenario file\n\n${USAGE}`);
    return 2;
  }
  const file = args.positionals[0];
  const opts: RunOptions = { file };
  const v = args.values;
  const bad = (m: string) => {
    process.stderr.write(`posfault run: ${m}\n`);
    return 2;
  };
  if (v.seed !== undefined) {
    if (v.seed === '') return bad('--seed needs a value');
    opts.seed = v.seed;
  }
  if (v.out !== undefined) opts.outDir = v.out;
  if (v.junit !== undefined) opts.junitFile = v.junit;
  if (v.switch !== undefined) {
    const hp = hostPort(v.switch);
    if (!hp) return bad(`--switch expects host:port, got "${v.switch}"`);
    opts.switchAddress = hp;
  }
  const toxiproxy = v.toxiproxy ?? process.env.TOXIPROXY_URL;
  if (toxiproxy !== undefined && toxiproxy !== '') {
    if (!/^https?:\/\/[^/\s]+\/?$/.test(toxiproxy)) return bad(`--toxiproxy / TOXIPROXY_URL expects a URL such as http://127.0.0.1:8474, got "${toxiproxy}"`);
    opts.toxiproxyUrl = toxiproxy.replace(/\/$/, '');
  }
  if (v['no-metrics'] && v['metrics-port'] !== undefined) return bad('give --metrics-port or --no-metrics, not both');
  if (v['no-metrics']) opts.metricsPort = null;
  if (v['metrics-port'] !== undefined) {
    const n = Number(v['metrics-port']);
    if (!/^\d+$/.test(v['metrics-port']) || n > 65535) return bad(`--metrics-port expects a port number 0..65535, got "${v['metrics-port']}"`);
    opts.metricsPort = n;
  }
  if (v.scale !== undefined) {
    const f = Number(v.scale);
    if (!(f > 0 && f <= 100)) return bad(`--scale expects a number above 0 (at most 100), got "${v.scale}"`);
    opts.scale = f;
  }

  let scenario;
  try {
    scenario = loadScenarioFile(file);
  } catch (e) {
    if (e instanceof ScenarioError) {
      process.stderr.write(`posfault run: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  // Ctrl-C (or a CI job's SIGTERM): stop the load, settle briefly, still reconcile and report. A second one kills.
  const interrupt = new AbortController();
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupt.signal.aborted) process.exit(130);
    process.stderr.write(`\nposfault run: ${sig}: stopping the load, then reconciling what ran (again to quit at once)\n`);
    interrupt.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  opts.signal = interrupt.signal;
  try {
    const result = await runScenario(scenario, opts);
    process.stdout.write(result.summary);
    process.stdout.write(`report: ${result.reportFile}\njunit:  ${result.junitFile}\n`);
    return result.report.verdict === 'pass' ? 0 : 1;
  } catch (e) {
    if (e instanceof StartError) {
      process.stderr.write(`posfault run: ${e.message}\n`);
      return 2;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      seed: { type: 'string' },
      out: { type: 'string' },
      junit: { type: 'string' },
      switch: { type: 'string' },
      toxiproxy: { type: 'string' },
      'metrics-port': { type: 'string' },
      'no-metrics': { type: 'boolean' },
      scale: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
