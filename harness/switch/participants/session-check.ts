// Everything but a sign-on needs a signed-on terminal, and a batch that agrees with the switch's: 77 otherwise
// (the terminal re-signs on and adopts the switch's batch).
import { RC } from '../codes';
import type { Exchange } from '../exchange';
import type { Participant, Verdict } from '../pipeline';

/** Messages whose 60.2 must be the switch's current batch (a reversal may name the previous batch). */
const BATCH_CHECKED = new Set(['0200', '0220', '0500', '0320']);

export const sessionCheck: Participant = {
  name: 'session-check',
  process(ex: Exchange): Verdict {
    if (ex.mti === '0800') return 'next';
    const session = ex.services.sessions.get(ex.terminalId);
    if (session === undefined) {
      ex.services.log.info('terminal not signed on, answered 77', { terminal: ex.terminalId, mti: ex.mti });
      ex.respond(RC.batchMismatch);
      return 'done';
    }
    ex.session = session;
    // 0320 with 60.3 = 207 ends the upload of a batch already closed by a balanced 0510 (cup-pos.md §3.10).
    if (BATCH_CHECKED.has(ex.mti) && !(ex.mti === '0320' && (ex.field(60) ?? '').slice(8, 11) === '207')) {
      const batch = (ex.field(60) ?? '').slice(2, 8);
      if (batch !== session.batch) {
        ex.services.log.info('batch mismatch, answered 77', { terminal: ex.terminalId, batch, expected: session.batch });
        ex.respond(RC.batchMismatch);
        return 'done';
      }
    }
    return 'next';
  },
};
