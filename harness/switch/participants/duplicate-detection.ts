// The duplicate-transmission safeguard: a second financial request with the same terminal, STAN and date within
// the batch is answered 94 and never reaches the issuer.
import { monthDay } from '../clock';
import { RC } from '../codes';
import type { Exchange } from '../exchange';
import type { Participant, Verdict } from '../pipeline';

export const duplicateDetection: Participant = {
  name: 'duplicate-detection',
  process(ex: Exchange): Verdict {
    if (ex.mti !== '0200' && ex.mti !== '0220') return 'next';
    const seen = ex.session!.seen;
    const key = ex.stan + monthDay(ex.at);
    if (!seen.has(key)) {
      seen.add(key);
      return 'next';
    }
    ex.services.log.info('duplicate transmission, answered 94', { terminal: ex.terminalId, stan: ex.stan });
    ex.respond(RC.duplicate);
    return 'done';
  },
};
