// posfault issuer: the issuer stub as its own process, with the HTTP control API (docs/issuer.md).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadAccountsFile, startIssuer, type AccountsSource, type IssuerConfig, type IssuerFaultSchedule } from '../issuer';

const USAGE = `usage: posfault issuer --journal PATH (--accounts FILE.json | --seed S --count N) [options]

  --journal PATH           the durable ledger (JSON lines; a directory holds ledger.jsonl)
  --accounts FILE.json     accounts: an array of AccountSpec, or {"accounts": [...]}
  --seed S --count N       or N generated accounts from seed S
  --host H                 listen address (default 127.0.0.1)
  --port P                 ISO 8583 port (default 0: ephemeral)
  --control-port P         HTTP control API port on 127.0.0.1 (default 0: ephemeral)
  --dialect NAME|FILE      default iso87-ascii
  --no-duplicate-check     apply a repeated request again (the duplicate check is on by default)
  --duplicate-response R   original (default) or 94: how the duplicate check answers a repeat
  --draw-seed S            seed of the latency, decline and auth-code draws (default: issuer)
  --faults FILE.json       a fault schedule: [{ "atMs", "durationMs", "kind", ... }]
  --zpk HEX                PIN key of the link, 16 or 32 hex digits (default: the documented test key)

Prints "issuer listening on HOST:PORT control 127.0.0.1:PORT" once ready; runs until SIGTERM or SIGINT.
`;

function fail(message: string): number {
  process.stderr.write(`posfault issuer: ${message}\n\n${USAGE}`);
  return 2;
}

function intOption(value: string | undefined, name: string, fallback?: number): number | undefined {
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value)) throw new Error(`${name} must be a non-negative integer, got "${value}"`);
  return Number(value);
}

export async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        help: { type: 'boolean', short: 'h' },
        journal: { type: 'string' },
        accounts: { type: 'string' },
        seed: { type: 'string' },
        count: { type: 'string' },
        host: { type: 'string' },
        port: { type: 'string' },
        'control-port': { type: 'string' },
        dialect: { type: 'string' },
        'no-duplicate-check': { type: 'boolean' },
        'duplicate-response': { type: 'string' },
        'draw-seed': { type: 'string' },
        faults: { type: 'string' },
        zpk: { type: 'string' },
      },
    }));
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  let config: IssuerConfig;
  try {
    if (!values.journal) throw new Error('--journal is required');
    let accounts: AccountsSource;
    if (values.accounts !== undefined) {
      if (values.seed !== undefined || values.count !== undefined) throw new Error('give --accounts or --seed/--count, not both');
      accounts = loadAccountsFile(values.accounts);
    } else {
      if (values.seed === undefined || values.count === undefined) throw new Error('give --accounts FILE or --seed S --count N');
      accounts = { seed: values.seed, count: intOption(values.count, '--count')! };
    }
    const response = values['duplicate-response'] ?? 'original';
    if (response !== 'original' && response !== '94') throw new Error('--duplicate-response must be original or 94');
    let faults: IssuerFaultSchedule | undefined;
    if (values.faults !== undefined) {
      try {
        faults = JSON.parse(readFileSync(values.faults, 'utf8')) as IssuerFaultSchedule;
      } catch (e) {
        throw new Error(`--faults ${values.faults}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    let zpk: Buffer | undefined;
    if (values.zpk !== undefined) {
      if (!/^([0-9A-Fa-f]{16}|[0-9A-Fa-f]{32})$/.test(values.zpk)) throw new Error('--zpk must be 16 or 32 hex digits');
      zpk = Buffer.from(values.zpk, 'hex');
    }
    config = {
      journalPath: values.journal,
      accounts,
      host: values.host,
      port: intOption(values.port, '--port', 0),
      controlPort: intOption(values['control-port'], '--control-port', 0),
      dialect: values.dialect,
      duplicateCheck: !values['no-duplicate-check'],
      duplicateResponse: response,
      seed: values['draw-seed'],
      faults,
      zpk,
    };
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e));
  }

  const issuer = await startIssuer(config);
  process.stdout.write(`issuer listening on ${issuer.host}:${issuer.port} control 127.0.0.1:${issuer.controlPort}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await issuer.close();
  return 0;
}
