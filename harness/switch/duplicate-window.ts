// The duplicate window made durable: every key the duplicate-detection safeguard claims (and every key it gives
// back) is a JSON line in its own append-only file beside the SAF journal, group-committed and fsync'd before the
// request goes on to the issuer. On start the file is replayed (only each terminal's latest batch counts, a torn
// last line is skipped) and rewritten compacted; a terminal's keys go back into its session when it signs on again
// with the same batch, so a retransmission after a restart of the switch is still answered 94.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Logger } from '../log';
import { GroupCommitFile } from '../storage/group-commit-file';
import { readJournalLines, rewriteJournal } from './journal-lines';
import type { TerminalSession } from './terminal-session';

type WindowLine =
  | { op: 'claim'; t: string; b: string; k: string }
  | { op: 'forget'; t: string; b: string; k: string };

interface Restored {
  batch: string;
  keys: Set<string>;
}

export class DuplicateWindow {
  /** Terminals of an earlier run that have not signed on again yet: their last batch's keys. */
  private readonly restored = new Map<string, Restored>();
  private readonly file: GroupCommitFile;

  constructor(readonly filePath: string, private readonly log: Logger) {
    fs.mkdirSync(path.dirname(filePath), { recursive: true });
    this.replay();
    this.compact();
    this.file = new GroupCommitFile(filePath);
  }

  /** Puts back the keys of this terminal's batch from an earlier run (at sign-on; the session owns them after). */
  restore(session: TerminalSession): void {
    const r = this.restored.get(session.terminalId);
    if (r === undefined) return;
    this.restored.delete(session.terminalId);
    if (r.batch !== session.batch) return;
    for (const k of r.keys) session.seen.add(k);
  }

  /** Durably records that `key` is taken in the session's batch; resolves after the fsync. */
  claim(session: TerminalSession, key: string): Promise<void> {
    return this.file.append(JSON.stringify({ op: 'claim', t: session.terminalId, b: session.batch, k: key }));
  }

  /** Durably gives `key` back (the request never reached the issuer); resolves after the fsync. */
  forget(session: TerminalSession, key: string): Promise<void> {
    return this.file.append(JSON.stringify({ op: 'forget', t: session.terminalId, b: session.batch, k: key }));
  }

  close(): Promise<void> {
    return this.file.close();
  }

  private replay(): void {
    for (const { value, line: lineNo } of readJournalLines(this.filePath, this.log, 'duplicate-window')) {
      const line = value as WindowLine;
      if (typeof line?.t !== 'string' || typeof line.b !== 'string' || typeof line.k !== 'string') {
        this.log.warn('duplicate-window line not understood, skipped', { file: this.filePath, line: lineNo });
        continue;
      }
      let r = this.restored.get(line.t);
      if (r === undefined || r.batch !== line.b) {
        // A later batch replaces the earlier one: its window was cleared when the batch closed.
        r = { batch: line.b, keys: new Set() };
        this.restored.set(line.t, r);
      }
      if (line.op === 'forget') r.keys.delete(line.k);
      else r.keys.add(line.k);
    }
  }

  private compact(): void {
    let text = '';
    for (const [t, r] of this.restored) {
      for (const k of r.keys) text += JSON.stringify({ op: 'claim', t, b: r.batch, k }) + '\n';
    }
    rewriteJournal(this.filePath, text);
  }
}

/** The window file that goes with a SAF journal. */
export function duplicateWindowPath(safPath: string): string {
  return safPath + '.duplicates';
}
