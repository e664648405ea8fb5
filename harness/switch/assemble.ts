// The switch as a list of participants, built from the safeguards in force: each safeguard is one participant
// that is in the list or not.
import type { SafeguardName } from './config';
import type { Participant } from './pipeline';
import { batchBookkeeping } from './participants/batch-bookkeeping';
import { batchUpload } from './participants/batch-upload';
import { duplicateDetection } from './participants/duplicate-detection';
import { formatCheck } from './participants/format-check';
import { forward } from './participants/forward';
import { issuerTimeout } from './participants/issuer-timeout';
import { macVerification } from './participants/mac-verification';
import { sessionCheck } from './participants/session-check';
import { settlement } from './participants/settlement';
import { signOn } from './participants/sign-on';
import { storeAndForward } from './participants/store-and-forward';
import { terminalCheck } from './participants/terminal-check';

export function assemblePipeline(safeguards: Readonly<Record<SafeguardName, boolean>>): readonly Participant[] {
  const list: Participant[] = [formatCheck, terminalCheck, sessionCheck];
  if (safeguards.macVerification) list.push(macVerification);
  list.push(signOn, settlement, batchUpload);
  if (safeguards.duplicateDetection) list.push(duplicateDetection);
  if (safeguards.issuerTimeout) list.push(issuerTimeout);
  list.push(forward);
  if (safeguards.storeAndForward) list.push(storeAndForward);
  list.push(batchBookkeeping);
  return Object.freeze(list);
}
