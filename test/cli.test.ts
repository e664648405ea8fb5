import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

describe('posfault CLI', () => {
  const cli = path.join(__dirname, '..', 'harness', 'cli', 'main.js');

  it('prints usage and exits 2 on an unknown command', () => {
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, [cli, 'no-such-command'], { stdio: 'pipe' });
    } catch (e) {
      const err = e as { status: number; stderr: Buffer };
      status = err.status;
      stderr = err.stderr.toString();
    }
    assert.equal(status, 2);
    assert.match(stderr, /unknown command "no-such-command"/);
  });

  it('lists its commands with --help', () => {
    const out = execFileSync(process.execPath, [cli, '--help']).toString();
    assert.match(out, /decode/);
    assert.match(out, /proxy/);
    assert.match(out, /run/);
  });
});
