// Is the terminal in the directory (97 when not, or the dialect's code), and is 42 its merchant (03 when not)?
import { RC } from '../codes';
import type { Exchange } from '../exchange';
import type { Participant, Verdict } from '../pipeline';

export const terminalCheck: Participant = {
  name: 'terminal-check',
  process(ex: Exchange): Verdict {
    const entry = ex.services.config.terminals.lookup(ex.terminalId);
    if (entry === undefined) {
      ex.services.log.info('unknown terminal', { terminal: ex.terminalId, mti: ex.mti, code: ex.services.codes.unknownTerminal });
      ex.respond(ex.services.codes.unknownTerminal);
      return 'done';
    }
    if (entry.merchantId !== ex.merchantId) {
      ex.services.log.info('merchant does not match the terminal, answered 03', { terminal: ex.terminalId, merchant: ex.merchantId });
      ex.respond(RC.invalidMerchant);
      return 'done';
    }
    ex.entry = entry;
    return 'next';
  },
};
