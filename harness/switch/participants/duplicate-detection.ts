// The duplicate-transmission safeguard: a second financial request of the same message class with the same
// terminal, STAN and date within the batch is answered 94 and never reaches the issuer. The key is on disk
// (duplicate-window.ts) before the request goes on, so a restart of the switch does not forget it; a request the
// switch answered itself without reaching the issuer gives its key back (forward.ts), so its retransmission is
// judged afresh.
import { monthDay } from '../clock';
import { RC } from '../codes';
import type { Exchange } from '../exchange';
import type { Participant, Verdict } from '../pipeline';

/** MTI class (020 / 022: a refund and a sale with the same STAN are different requests) + STAN + MMDD. */
export function duplicateKey(ex: Exchange): string {
  return ex.mti.slice(0, 3) + ex.stan + monthDay(ex.at);
}

export const duplicateDetection: Participant = {
  name: 'duplicate-detection',
  async process(ex: Exchange): Promise<Verdict> {
    if (ex.mti !== '0200' && ex.mti !== '0220') return 'next';
    const session = ex.session!;
    const key = duplicateKey(ex);
    if (session.seen.has(key)) {
      ex.services.log.info('duplicate transmission, answered 94', { terminal: ex.terminalId, stan: ex.stan, mti: ex.mti });
      ex.respond(RC.duplicate);
      return 'done';
    }
    session.seen.add(key);
    try {
      await ex.services.duplicates.claim(session, key);
    } catch (err) {
      session.seen.delete(key);
      ex.services.log.error('duplicate window cannot be written, answered 96', { terminal: ex.terminalId, stan: ex.stan, error: err instanceof Error ? err.message : String(err) });
      ex.respond(RC.systemMalfunction);
      return 'done';
    }
    ex.duplicateKey = key;
    return 'next';
  },
};

/** The request never reached the issuer (answered by the switch itself): a retransmission of it is not a duplicate. */
export async function releaseDuplicateKey(ex: Exchange): Promise<void> {
  const key = ex.duplicateKey;
  const session = ex.session;
  if (key === undefined || session === undefined) return;
  ex.duplicateKey = undefined;
  session.seen.delete(key);
  try {
    await ex.services.duplicates.forget(session, key);
  } catch (err) {
    ex.services.log.error('duplicate window cannot be written; the key may come back after a restart', { terminal: ex.terminalId, stan: ex.stan, error: err instanceof Error ? err.message : String(err) });
  }
}
