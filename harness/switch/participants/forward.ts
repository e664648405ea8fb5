// Routing: sale, void, inquiry, refund and terminal reversals go to the issuer; its answer (or the lack of one)
// becomes the terminal's response. The deadline, if any, was set by the issuer-timeout participant.
import { translatePinBlock } from '../../security';
import { transmissionDateTime } from '../clock';
import { RC } from '../codes';
import type { Exchange } from '../exchange';
import type { IssuerResult } from '../issuer-mux';
import { applyIssuerAnswer, issuerFinancialRequest, issuerReversal, reversalSubjectOf } from '../issuer-messages';
import type { Participant, Verdict } from '../pipeline';
import { releaseDuplicateKey } from './duplicate-detection';
import type { IsoMessage } from '../../iso8583/types';

const FORWARDED = new Set(['0200', '0220', '0400']);

/** Field 52 re-encrypted from the terminal's PIK to the issuer link's ZPK; 'bad' when the block does not decrypt. */
function translatedPin(ex: Exchange): Buffer | undefined | 'bad' {
  const block = ex.request.fields[52];
  if (!Buffer.isBuffer(block)) return undefined;
  try {
    return translatePinBlock(block, ex.field(2) ?? '', ex.session!.pik, ex.services.zpk);
  } catch {
    return 'bad';
  }
}

function buildIssuerRequest(ex: Exchange, rrn: string, f7: string): IsoMessage | 'bad-pin' {
  if (ex.mti === '0400') return issuerReversal('0400', reversalSubjectOf(ex), f7, ex.services.config.acquirerId);
  const pin = translatedPin(ex);
  if (pin === 'bad') return 'bad-pin';
  return issuerFinancialRequest(ex, rrn, f7, pin);
}

function answer(ex: Exchange, result: IssuerResult, rrn: string): void {
  switch (result.outcome) {
    case 'answered': {
      const code = String(result.response!.fields[39] ?? RC.systemMalfunction);
      applyIssuerAnswer(ex.respond(code), result.response!, rrn);
      return;
    }
    case 'timeout':
    case 'link-lost':
      ex.services.log.info('no answer from the issuer', { terminal: ex.terminalId, stan: ex.stan, outcome: result.outcome, code: ex.services.codes.issuerTimeout });
      ex.respond(ex.services.codes.issuerTimeout).fields[37] = rrn;
      return;
    case 'unreachable':
    case 'closed':
      ex.services.log.info('issuer unreachable, answered 91', { terminal: ex.terminalId, stan: ex.stan });
      ex.respond(RC.issuerInoperative);
      return;
    case 'hangup':
    case 'abandoned':
      ex.services.log.info('terminal hung up before the issuer answered', { terminal: ex.terminalId, stan: ex.stan, sent: result.outcome === 'hangup' });
      return;
    case 'superseded':
      ex.services.log.info('a repeat of this request went to the issuer in its place; the repeat is answered', { terminal: ex.terminalId, stan: ex.stan });
      return;
  }
}

export const forward: Participant = {
  name: 'forward',
  async process(ex: Exchange): Promise<Verdict> {
    if (!FORWARDED.has(ex.mti)) {
      ex.respond(RC.formatError);
      return 'done';
    }
    const services = ex.services;
    const rrn = ex.mti === '0400' ? (ex.session?.findOriginal(ex.stan)?.rrn ?? services.rrn.next()) : services.rrn.next();
    const f7 = transmissionDateTime(new Date());
    const request = buildIssuerRequest(ex, rrn, f7);
    if (request === 'bad-pin') {
      services.log.info('PIN block does not decrypt under the PIK, answered 99', { terminal: ex.terminalId, stan: ex.stan });
      ex.respond(RC.pinFormatError);
      await releaseDuplicateKey(ex);
      return 'done';
    }
    // With a deadline the switch waits it out even if the terminal hangs up (a late approval must still be
    // reversed); without one, the terminal hanging up is the only end to the wait.
    const result = await services.issuer.request(request, ex.deadline === undefined ? { signal: ex.hangup } : { deadline: ex.deadline });
    ex.forwarded = { outcome: result.outcome, request, response: result.response, rrn: String(request.fields[37] ?? rrn), transmissionDateTime: f7 };
    answer(ex, result, ex.forwarded.rrn);
    // Nothing reached the issuer: a retransmission must be judged afresh, not answered 94.
    if (result.outcome === 'unreachable' || result.outcome === 'closed' || result.outcome === 'abandoned') await releaseDuplicateKey(ex);
    return 'next';
  },
};
