// The MAC safeguard: the request's MAC field (64, or 128 where the dialect moves it) must be the MAC of the request
// under the terminal's MAK with the dialect's MAC parameters (A0 otherwise).
import { verifyMacWith } from '../../security';
import { RC } from '../codes';
import type { Exchange } from '../exchange';
import type { Participant, Verdict } from '../pipeline';
import { carriesMac } from '../responses';
import { macKey } from '../mac-key';

function macIsValid(ex: Exchange): boolean {
  const services = ex.services;
  const mac = ex.request.fields[services.terminalCodec.macFieldFor(ex.request.fields)];
  if (!Buffer.isBuffer(mac) || ex.session === undefined) return false;
  const mab = services.terminalMacInput(ex.requestBody);
  return verifyMacWith(services.mac, macKey(ex.session.mak, services.mac.keyBytes), mab, mac);
}

export const macVerification: Participant = {
  name: 'mac-verification',
  process(ex: Exchange): Verdict {
    if (!carriesMac(ex.mti) || macIsValid(ex)) return 'next';
    ex.services.log.info('request MAC failed, answered A0', { terminal: ex.terminalId, stan: ex.stan, mti: ex.mti });
    ex.respond(RC.macError);
    return 'done';
  },
};
