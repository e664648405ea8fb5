// The switch's small JSON-lines journals (store-and-forward, duplicate window): read back on start, skipping the
// last line when a crash tore it, and rewritten whole at compaction without a moment where neither old nor new is on
// disk. An unreadable line anywhere else is damage, not a torn write: the journal is refused (compaction would drop
// the line for good, and with it perhaps a reversal still owed), and the switch does not start on it.
import * as fs from 'node:fs';
import type { Logger } from '../log';
import { replaceFileDurably } from '../storage/replace-file';

/** Each parseable line of `file` with its 1-based number; none when the file does not exist. */
export function readJournalLines(file: string, log: Logger, what: string): { value: unknown; line: number }[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: { value: unknown; line: number }[] = [];
  const lines = text.split('\n');
  let last = lines.length - 1;
  while (last >= 0 && lines[last] === '') last--;
  for (let i = 0; i <= last; i++) {
    if (lines[i] === '') continue;
    try {
      out.push({ value: JSON.parse(lines[i]), line: i + 1 });
    } catch {
      if (i < last) throw new Error(`${what} ${file}: line ${i + 1} is unreadable and not the last one: the journal is damaged (move it aside, after saving what it still owes, to start afresh)`);
      log.warn(`${what} last line unreadable, skipped (a write torn by a crash)`, { file, line: i + 1 });
    }
  }
  return out;
}

/** Replaces `file` with `text`: written aside, fsync'd, renamed over the old one, and the folder fsync'd. */
export function rewriteJournal(file: string, text: string): void {
  replaceFileDurably(file, text);
}
