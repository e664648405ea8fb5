import { statSync } from 'node:fs';
import * as path from 'node:path';

/** The journal file for a configured path: the path itself, or ledger.jsonl inside it when it is a directory. */
export function journalFile(journalPath: string): string {
  if (typeof journalPath !== 'string' || journalPath === '') throw new TypeError('journalPath must be a non-empty string');
  try {
    if (statSync(journalPath).isDirectory()) return path.join(journalPath, 'ledger.jsonl');
  } catch {
    // not there yet: a file to create
  }
  return journalPath;
}
