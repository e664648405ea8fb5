// The store-and-forward safeguard: a reversible request the issuer did not answer is reversed toward the issuer
// (0420, then 0421 repeats) from a durable queue. The queue entry is fsync'd before the terminal gets its 98.
import type { Exchange } from '../exchange';
import type { Participant, Verdict } from '../pipeline';
import { reversalSubjectOf } from '../issuer-messages';

/** Sale and void (60.1 = 22 / 23) are reversible; inquiry and refund are not (cup-pos.md §3.3). */
function isReversible(ex: Exchange): boolean {
  const processing = ex.field(3);
  return ex.mti === '0200' && (processing === '000000' || processing === '200000');
}

export const storeAndForward: Participant = {
  name: 'store-and-forward',
  process(ex: Exchange): Verdict {
    const fwd = ex.forwarded;
    if (fwd === undefined || (fwd.outcome !== 'timeout' && fwd.outcome !== 'link-lost') || !isReversible(ex)) return 'next';
    ex.services.saf.enqueue({
      ...reversalSubjectOf(ex),
      originalRrn: fwd.rrn,
      originalTransmissionDateTime: fwd.transmissionDateTime,
      reason: '98',
    });
    return 'next';
  },
};
