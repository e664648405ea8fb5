// Finding a dialect: a built-in by name, or a user's JSON/YAML file, always validated.
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { DialectError, validateDialect } from './dialect-schema';
import cupPos from './dialects/cup-pos.json';
import iso87Ascii from './dialects/iso87-ascii.json';
import type { Dialect } from './types';

export { DialectError, validateDialect } from './dialect-schema';

const BUILT_IN: Record<string, unknown> = { 'cup-pos': cupPos, 'iso87-ascii': iso87Ascii };
const cache = new Map<string, Dialect>();

export const BUILT_IN_DIALECTS: readonly string[] = Object.keys(BUILT_IN);

/** A built-in dialect ('cup-pos', 'iso87-ascii') or a .json/.yaml/.yml file; each call returns a fresh copy. */
export function getDialect(nameOrPath: string): Dialect {
  if (typeof nameOrPath !== 'string' || nameOrPath === '') throw new DialectError('dialect', ['give a built-in name or a file path']);
  const builtIn = BUILT_IN[nameOrPath];
  if (builtIn !== undefined) {
    let dialect = cache.get(nameOrPath);
    if (dialect === undefined) {
      dialect = validateDialect(builtIn, `built-in dialect ${nameOrPath}`);
      cache.set(nameOrPath, dialect);
    }
    return structuredClone(dialect);
  }
  return loadDialectFile(nameOrPath);
}

export function loadDialectFile(file: string): Dialect {
  const ext = path.extname(file).toLowerCase();
  if (ext !== '.json' && ext !== '.yaml' && ext !== '.yml') {
    throw new DialectError(file, [`not a built-in dialect (${BUILT_IN_DIALECTS.join(', ')}) nor a .json/.yaml/.yml file`]);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new DialectError(file, [`cannot read the file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  let data: unknown;
  try {
    data = ext === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new DialectError(file, [`not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message}`]);
  }
  return validateDialect(data, file);
}
