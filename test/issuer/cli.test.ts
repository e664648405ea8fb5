import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const cli = path.join(__dirname, '..', '..', 'harness', 'cli', 'main.js');

function run(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [cli, 'issuer', ...args], { encoding: 'utf8', timeout: 10_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('posfault issuer (CLI arguments)', () => {
  it('prints its usage with --help', () => {
    const r = run(['--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, /--control-port/);
    assert.match(r.stdout, /--no-duplicate-check/);
  });

  it('exits 2 with a clear reason on bad arguments', () => {
    const cases: [string[], RegExp][] = [
      [['--seed', '1', '--count', '5'], /--journal is required/],
      [['--journal', '/tmp/x'], /--accounts FILE or --seed S --count N/],
      [['--journal', '/tmp/x', '--seed', '1', '--count', 'many'], /--count must be/],
      [['--journal', '/tmp/x', '--seed', '1', '--count', '1', '--bogus'], /Unknown option/],
      [['--journal', '/tmp/x', '--seed', '1', '--count', '1', '--zpk', 'zz'], /--zpk/],
      [['--journal', '/tmp/x', '--accounts', '/nonexistent.json'], /accounts file/],
      [['--journal', '/tmp/x', '--seed', '1', '--count', '1', '--duplicate-response', 'maybe'], /--duplicate-response/],
    ];
    for (const [args, reason] of cases) {
      const r = run(args);
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr, reason);
    }
  });
});
