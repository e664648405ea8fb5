// The MAC safeguard: field 64 must be the MAC of the request under the terminal's MAK (A0 otherwise).
import { verifyMac } from '../../security';
import { RC } from '../codes';
import type { Exchange } from '../exchange';
import type { Participant, Verdict } from '../pipeline';
import { carriesMac } from '../responses';
import { macKey } from '../mac-key';

function macIsValid(ex: Exchange): boolean {
  const mac = ex.request.fields[64];
  if (!Buffer.isBuffer(mac) || ex.session === undefined) return false;
  const services = ex.services;
  const mab = services.terminalMacInput(ex.requestBody);
  return verifyMac(services.mac.algorithm, macKey(ex.session.mak, services.mac.keyBytes), mab, mac);
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
