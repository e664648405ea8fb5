// Keeps the switch's record of the terminal's batch: every forwarded financial request with the issuer's
// answer, voids marking their sale, acknowledged reversals marking their original.
import { isReversalDone } from '../codes';
import type { TransactionKind } from '../batch-record';
import { monthDay } from '../clock';
import type { Exchange } from '../exchange';
import { originalStanOf } from '../issuer-messages';
import type { Participant, Verdict } from '../pipeline';

function kindOf(ex: Exchange): TransactionKind {
  if (ex.mti === '0220') return 'refund';
  const processing = ex.field(3);
  return processing === '310000' ? 'inquiry' : processing === '200000' ? 'void' : 'sale';
}

export const batchBookkeeping: Participant = {
  name: 'batch-bookkeeping',
  process(ex: Exchange): Verdict {
    const fwd = ex.forwarded;
    const session = ex.session;
    if (fwd === undefined || session === undefined) return 'done';
    const code = fwd.response === undefined ? undefined : String(fwd.response.fields[39] ?? '');
    if (ex.mti === '0400') {
      const original = session.findOriginal(ex.stan);
      if (original !== undefined && isReversalDone(code)) session.batchRecord.markReversed(original);
      return 'done';
    }
    const kind = kindOf(ex);
    const entry = {
      kind, mti: ex.mti, stan: ex.stan, amount: Number(ex.field(4) ?? 0),
      transmissionDateTime: fwd.transmissionDateTime, rrn: fwd.rrn, date: monthDay(ex.at),
      voided: false, reversed: false, originalStan: kind === 'void' ? originalStanOf(ex) : undefined,
    };
    session.batchRecord.add(entry);
    const auth = fwd.response?.fields[38];
    session.batchRecord.settle(entry, code, typeof auth === 'string' ? auth : undefined);
    fwd.entry = entry;
    return 'done';
  },
};
