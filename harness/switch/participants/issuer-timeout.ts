// The issuer-timeout safeguard: a deadline for the issuer's answer. Without it the forward waits until the
// issuer answers or the terminal hangs up.
import type { Exchange } from '../exchange';
import type { Participant, Verdict } from '../pipeline';

export const issuerTimeout: Participant = {
  name: 'issuer-timeout',
  process(ex: Exchange): Verdict {
    ex.deadline = ex.at.getTime() + ex.services.config.issuer.timeoutMs;
    return 'next';
  },
};
