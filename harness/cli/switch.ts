// `posfault switch`: the reference switch as a standalone server, until SIGINT/SIGTERM.
import * as http from 'node:http';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultMerchantId, startSwitch, terminalRange, type SwitchConfig } from '../switch';

const USAGE = `usage: posfault switch --issuer HOST:PORT [options]

  --host H                 terminal side host (default 127.0.0.1)
  --port N                 terminal side port (default 0: a free port, printed on the ready line)
  --issuer HOST:PORT       the issuer (required)
  --issuer-timeout-ms N    how long to wait for the issuer (default 5000)
  --seed S                 TMK seed shared with the fleet, and the seed of keys and RRNs (default posfault)
  --terminals FIRST:COUNT  terminal ids allowed to connect (default 10000001:1000); merchant ids follow
                           defaultMerchantId (89810005411 + the id's last four digits)
  --saf PATH               store-and-forward queue file (default .posfault/switch-saf.jsonl)
  --max-lines N            concurrent terminal connections; callers past it are hung up at once
  --metrics-port N         serve Prometheus metrics on 127.0.0.1:N/metrics
  --dialect D              terminal side dialect (default cup-pos)
  --issuer-dialect D       issuer link dialect (default iso87-ascii)
  --no-duplicate-detection --no-mac --no-saf --no-issuer-timeout
                           switch a safeguard off
`;

function fail(message: string): number {
  process.stderr.write(`posfault switch: ${message}\n\n${USAGE}`);
  return 2;
}

function intOption(value: string | undefined, name: string, min: number, max: number): number | string {
  if (value === undefined) return NaN;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) return `--${name} needs a whole number from ${min} to ${max}, got "${value}"`;
  return Number(value);
}

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        host: { type: 'string' },
        port: { type: 'string' },
        issuer: { type: 'string' },
        'issuer-timeout-ms': { type: 'string' },
        seed: { type: 'string' },
        terminals: { type: 'string' },
        saf: { type: 'string' },
        'max-lines': { type: 'string' },
        'metrics-port': { type: 'string' },
        dialect: { type: 'string' },
        'issuer-dialect': { type: 'string' },
        'no-duplicate-detection': { type: 'boolean' },
        'no-mac': { type: 'boolean' },
        'no-saf': { type: 'boolean' },
        'no-issuer-timeout': { type: 'boolean' },
      },
    }));
  } catch (err) {
    return fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const issuerMatch = /^(.+):(\d{1,5})$/.exec(values.issuer ?? '');
  if (!issuerMatch || Number(issuerMatch[2]) < 1 || Number(issuerMatch[2]) > 65535) return fail('--issuer HOST:PORT is required');
  const port = values.port === undefined ? 0 : intOption(values.port, 'port', 0, 65535);
  const timeoutMs = values['issuer-timeout-ms'] === undefined ? 5000 : intOption(values['issuer-timeout-ms'], 'issuer-timeout-ms', 1, 3_600_000);
  const maxLines = values['max-lines'] === undefined ? undefined : intOption(values['max-lines'], 'max-lines', 1, 1_000_000);
  const metricsPort = values['metrics-port'] === undefined ? undefined : intOption(values['metrics-port'], 'metrics-port', 0, 65535);
  for (const v of [port, timeoutMs, maxLines, metricsPort]) if (typeof v === 'string') return fail(v);
  const range = /^(\d{1,8}):(\d{1,8})$/.exec(values.terminals ?? '10000001:1000');
  if (!range) return fail(`--terminals needs FIRST:COUNT, got "${String(values.terminals)}"`);
  const seed = values.seed ?? 'posfault';

  let terminals;
  try {
    terminals = terminalRange({ seed, firstId: Number(range[1]), count: Number(range[2]), merchantId: defaultMerchantId });
  } catch (err) {
    return fail((err as Error).message);
  }
  const config: SwitchConfig = {
    host: values.host ?? '127.0.0.1',
    port: port as number,
    dialect: values.dialect,
    issuer: { host: issuerMatch[1], port: Number(issuerMatch[2]), dialect: values['issuer-dialect'], timeoutMs: timeoutMs as number },
    terminals,
    maxLines: maxLines as number | undefined,
    safeguards: {
      duplicateDetection: !values['no-duplicate-detection'],
      macVerification: !values['no-mac'],
      storeAndForward: !values['no-saf'],
      issuerTimeout: !values['no-issuer-timeout'],
    },
    safPath: path.resolve(values.saf ?? '.posfault/switch-saf.jsonl'),
    seed,
  };

  let sw;
  try {
    sw = await startSwitch(config);
  } catch (err) {
    process.stderr.write(`posfault switch: cannot start: ${(err as Error).message}\n`);
    return 1;
  }
  let metricsServer: http.Server | undefined;
  if (metricsPort !== undefined) {
    const registry = sw.registry;
    metricsServer = http.createServer((req, res) => {
      if (req.url !== '/metrics') {
        res.writeHead(404).end();
        return;
      }
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
        (err: Error) => res.writeHead(500).end(err.message),
      );
    });
    const listening = await new Promise<Error | undefined>((resolve) => {
      metricsServer!.once('error', resolve);
      metricsServer!.listen(metricsPort as number, '127.0.0.1', () => resolve(undefined));
    });
    if (listening) {
      await sw.close();
      process.stderr.write(`posfault switch: cannot serve metrics on port ${String(metricsPort)}: ${listening.message}\n`);
      return 1;
    }
  }
  const off = Object.entries(config.safeguards!).filter(([, on]) => !on).map(([name]) => name);
  const metricsNote = metricsServer ? ` metrics http://127.0.0.1:${(metricsServer.address() as { port: number }).port}/metrics` : '';
  process.stdout.write(`posfault switch: listening on ${sw.host}:${sw.port} issuer ${config.issuer.host}:${config.issuer.port} safeguards off: ${off.length ? off.join(',') : 'none'}${metricsNote}\n`);
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  process.stderr.write(`posfault switch: ${signal}, shutting down\n`);
  await new Promise<void>((resolve) => (metricsServer ? metricsServer.close(() => resolve()) : resolve()));
  await sw.close();
  return 0;
}
