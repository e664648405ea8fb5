#!/usr/bin/env node
// The posfault command line: one file per subcommand under harness/cli/, loaded only when called.

interface Command {
  summary: string;
  load: () => Promise<{ main: (argv: string[]) => Promise<number> }>;
}

const commands: Record<string, Command> = {
  run: { summary: 'run a scenario on the embedded stack (or against --switch / --toxiproxy) and judge its SLOs', load: () => import('./run') },
  decode: { summary: 'decode an ISO 8583 frame given as hex (argument or stdin)', load: () => import('./decode') },
  proxy: { summary: 'start the Toxiproxy-compatible fault proxy', load: () => import('./proxy') },
  switch: { summary: 'start the reference switch (acquirer host)', load: () => import('./switch') },
  issuer: { summary: 'start the issuer stub', load: () => import('./issuer') },
};

function usage(): string {
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(8)} ${c.summary}`);
  return `usage: posfault <command> [options]\n\ncommands:\n${lines.join('\n')}\n\n'posfault <command> --help' describes a command.\n`;
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`posfault: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  const mod = await command.load();
  return mod.main(rest);
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    process.stderr.write(`posfault: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 2;
  },
);
