// Terminal request → issuer request, and issuer response → terminal response (pos-profile.md §2).
import type { FieldValue, IsoMessage } from '../iso8583/types';
import { localTime, monthDay } from './clock';
import type { Exchange } from './exchange';

const UNKNOWN_DATE_TIME = '0000000000';

/** Field 90: original MTI n4 + original STAN n6 + original field 7 n10 + acquirer id n11 + forwarding id n11 (zeros). */
export function originalDataElements(mti: string, stan: string, transmissionDateTime: string, acquirerId: string): string {
  return mti + stan + transmissionDateTime + acquirerId.padStart(11, '0') + '00000000000';
}

/** Field 61.2 (original STAN) of a void or refund. */
export function originalStanOf(ex: Exchange): string | undefined {
  const f61 = ex.field(61);
  return f61 !== undefined && f61.length >= 12 ? f61.slice(6, 12) : undefined;
}

/** Sale, void, inquiry (0200) or refund (0220) toward the issuer; `pinBlock` already under the ZPK. */
export function issuerFinancialRequest(ex: Exchange, rrn: string, transmissionDateTime: string, pinBlock: Buffer | undefined): IsoMessage {
  const f = ex.request.fields;
  const acquirerId = ex.services.config.acquirerId;
  const fields: { [n: number]: FieldValue } = {
    2: f[2], 3: f[3], 4: f[4], 7: transmissionDateTime, 11: f[11],
    12: localTime(ex.at), 13: monthDay(ex.at), 14: f[14], 22: f[22], 25: f[25],
    32: acquirerId, 37: rrn, 41: f[41], 42: f[42], 49: f[49],
  };
  if (pinBlock !== undefined) fields[52] = pinBlock;
  const isVoid = ex.mti === '0200' && ex.field(3) === '200000';
  if (isVoid || ex.mti === '0220') {
    const stan = originalStanOf(ex) ?? '000000';
    const original = ex.session?.findOriginal(stan);
    let originalTime = original?.transmissionDateTime;
    if (originalTime === undefined) {
      // A refund names its original's date (61.3); without the switch's record the time is unknown.
      const f61 = ex.field(61) ?? '';
      originalTime = f61.length >= 16 ? f61.slice(12, 16) + '000000' : UNKNOWN_DATE_TIME;
    }
    fields[90] = originalDataElements('0200', stan, originalTime, acquirerId);
  }
  return { mti: ex.mti, fields };
}

/** The facts of an original a reversal names. */
export interface ReversalSubject {
  pan: string;
  processingCode: string;
  amount: string;
  stan: string;
  terminalId: string;
  merchantId: string;
  currency: string;
  originalMti: string;
  originalRrn?: string;
  originalTransmissionDateTime?: string;
  reason: string;
}

/** 0400 (a terminal's reversal forwarded) or 0420 / 0421 (the switch's advice and its repeats). */
export function issuerReversal(mti: '0400' | '0420' | '0421', s: ReversalSubject, transmissionDateTime: string, acquirerId: string): IsoMessage {
  const fields: { [n: number]: FieldValue } = {
    2: s.pan, 3: s.processingCode, 4: s.amount, 7: transmissionDateTime, 11: s.stan, 32: acquirerId,
    39: s.reason, 41: s.terminalId, 42: s.merchantId, 49: s.currency,
    90: originalDataElements(s.originalMti, s.stan, s.originalTransmissionDateTime ?? UNKNOWN_DATE_TIME, acquirerId),
  };
  if (s.originalRrn !== undefined) fields[37] = s.originalRrn;
  return { mti, fields };
}

/** What a terminal 0400 says about its original, completed from the switch's batch record. */
export function reversalSubjectOf(ex: Exchange): ReversalSubject {
  const original = ex.session?.findOriginal(ex.stan);
  return {
    pan: ex.field(2) ?? '',
    processingCode: ex.field(3) ?? '000000',
    amount: ex.field(4) ?? '000000000000',
    stan: ex.stan,
    terminalId: ex.terminalId,
    merchantId: ex.merchantId,
    currency: ex.field(49) ?? '156',
    originalMti: '0200',
    originalRrn: original?.rrn,
    originalTransmissionDateTime: original?.transmissionDateTime,
    reason: ex.field(39) ?? '06',
  };
}

/** Copies the issuer's answer (39, 38, 54, and 37) onto the terminal response already built by `ex.respond`. */
export function applyIssuerAnswer(terminalResponse: IsoMessage, issuerResponse: IsoMessage, rrn: string): void {
  const r = issuerResponse.fields;
  const out = terminalResponse.fields;
  out[37] = typeof r[37] === 'string' ? r[37] : rrn;
  if (typeof r[38] === 'string' && out[39] === '00' && terminalResponse.mti !== '0410') out[38] = r[38];
  if (typeof r[54] === 'string' && r[54].length <= 20) out[54] = r[54];
}
