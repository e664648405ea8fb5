// `posfault proxy`: the Toxiproxy-compatible fault proxy as a standalone server, until SIGINT/SIGTERM.
import { readFileSync } from 'node:fs';
import { createLogger } from '../log';
import { DEFAULT_API_PORT, startProxyServer } from '../../proxies';
import { handlers } from '../../proxies/api/handlers';
import { ApiError } from '../../proxies/api-error';

const log = createLogger('proxy');

const USAGE = `usage: posfault proxy [--host H] [--port N] [--config file.json] [--seed S]

  --host H          API host (default 127.0.0.1)
  --port N          API port (default ${DEFAULT_API_PORT}; 0 picks a free port)
  --config FILE     proxies to create at start, in Toxiproxy's populate format (a JSON array)
  --seed S          seed of every random fault (default 0): the same seed replays the same faults
`;

interface Options {
  host: string;
  port: number;
  config?: string;
  seed: number | string;
}

function parseArgs(argv: string[]): Options | string {
  const opts: Options = { host: '127.0.0.1', port: DEFAULT_API_PORT, seed: 0 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--host': {
        const v = value();
        if (!v) return '--host needs a value';
        opts.host = v;
        break;
      }
      case '--port': {
        const v = value();
        if (v === undefined || !/^[0-9]{1,5}$/.test(v) || Number(v) > 65535) return `--port needs a port number from 0 to 65535, got ${String(v)}`;
        opts.port = Number(v);
        break;
      }
      case '--config': {
        const v = value();
        if (!v) return '--config needs a file name';
        opts.config = v;
        break;
      }
      case '--seed': {
        const v = value();
        if (v === undefined || v === '') return '--seed needs a value';
        opts.seed = /^-?[0-9]+$/.test(v) ? Number(v) : v;
        break;
      }
      default:
        return `unknown option ${arg}`;
    }
  }
  return opts;
}

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  const opts = parseArgs(argv);
  if (typeof opts === 'string') {
    process.stderr.write(`posfault proxy: ${opts}\n\n${USAGE}`);
    return 2;
  }
  let config: Buffer | undefined;
  if (opts.config) {
    try {
      config = readFileSync(opts.config);
    } catch (err) {
      process.stderr.write(`posfault proxy: cannot read --config ${opts.config}: ${(err as Error).message}\n`);
      return 2;
    }
  }
  let server;
  try {
    server = await startProxyServer({ host: opts.host, port: opts.port, seed: opts.seed });
  } catch (err) {
    process.stderr.write(`posfault proxy: cannot listen on ${opts.host}:${opts.port}: ${(err as Error).message}\n`);
    return 1;
  }
  if (config) {
    const proxies = server.proxies;
    try {
      // The same path as POST /populate, so the file gets the API's checks and messages.
      await proxies.exclusive(() => handlers.populate(proxies, { params: [], body: async () => config! }));
    } catch (err) {
      const msg = err instanceof ApiError ? err.message : String(err);
      process.stderr.write(`posfault proxy: --config ${opts.config}: ${msg}\n`);
      await server.close();
      return 2;
    }
  }
  process.stderr.write(`posfault proxy: listening on ${server.url} (seed ${String(opts.seed)})\n`);
  log.info('started', { url: server.url, proxies: server.proxies.list().map((p) => p.name) });
  const signal = await new Promise<string>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  process.stderr.write(`posfault proxy: ${signal}, shutting down\n`);
  await server.close();
  return 0;
}
