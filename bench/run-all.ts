// Runs every benchmark in bench/ one after another, each in its own process so that one cannot warm or
// starve another. Each prints its own figures and its ratio against the baseline it measures in the same run.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const only = process.argv.slice(2);
const benches = fs
  .readdirSync(__dirname)
  .filter((f) => f.endsWith('.js') && f !== 'run-all.js')
  .map((f) => f.replace(/\.js$/, ''))
  .filter((name) => only.length === 0 || only.includes(name))
  .sort();

let failed = 0;
for (const name of benches) {
  process.stdout.write(`\n=== bench/${name} ===\n`);
  const r = spawnSync(process.execPath, ['--enable-source-maps', path.join(__dirname, `${name}.js`)], { stdio: 'inherit', timeout: 120_000 });
  if (r.status !== 0) {
    failed++;
    process.stdout.write(`bench/${name} failed (exit ${r.status ?? r.signal})\n`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
