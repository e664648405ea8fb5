// Settlement 0500 → 0510: the terminal's totals (field 48) against the switch's own record of the batch;
// the reconciliation code at digit 30 is 1 (balanced) or 2 (unbalanced). A balanced batch closes here.
import { monthDay } from '../clock';
import { RC } from '../codes';
import type { Exchange } from '../exchange';
import type { Participant, Verdict } from '../pipeline';
import type { BatchTotals } from '../batch-record';

/** The domestic totals of field 48 (n12 + n3 + n12 + n3), or undefined when malformed. */
export function parseTotals(f48: string): BatchTotals | undefined {
  if (!/^\d{31}/.test(f48)) return undefined;
  return {
    debitAmount: Number(f48.slice(0, 12)),
    debitCount: Number(f48.slice(12, 15)),
    creditAmount: Number(f48.slice(15, 27)),
    creditCount: Number(f48.slice(27, 30)),
  };
}

function sameTotals(a: BatchTotals, b: BatchTotals): boolean {
  return a.debitAmount === b.debitAmount && a.debitCount === b.debitCount &&
    a.creditAmount === b.creditAmount && a.creditCount === b.creditCount;
}

export const settlement: Participant = {
  name: 'settlement',
  process(ex: Exchange): Verdict {
    if (ex.mti !== '0500') return 'next';
    const session = ex.session!;
    const f48 = ex.field(48) ?? '';
    const theirs = parseTotals(f48);
    if (theirs === undefined) {
      ex.services.log.warn('settlement totals malformed, answered 30', { terminal: ex.terminalId, stan: ex.stan });
      ex.respond(RC.formatError);
      return 'done';
    }
    const ours = session.batchRecord.totals();
    const balanced = sameTotals(theirs, ours);
    const response = ex.respond(RC.approved);
    response.fields[15] = monthDay(ex.at);
    response.fields[48] = f48.slice(0, 30) + (balanced ? '1' : '2') + f48.slice(31);
    if (balanced) {
      session.advanceBatch();
    } else {
      ex.services.log.info('settlement unbalanced', { terminal: ex.terminalId, batch: session.batch, terminalTotals: theirs, switchTotals: ours });
    }
    return 'done';
  },
};
