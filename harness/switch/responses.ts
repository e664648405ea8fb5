// Responses to terminals: the response MTI, the request fields each response echoes (pos-profile.md §1), and
// the fields the switch adds.
import type { FieldValue, IsoMessage } from '../iso8583/types';
import { localTime, monthDay } from './clock';

/** 0200 → 0210, 0421 → 0430: the third digit goes to the response class (even → +1 after clearing repeat). */
export function responseMti(mti: string): string {
  const cls = mti.charCodeAt(2) - 0x30;
  return mti.slice(0, 2) + String(cls % 2 === 0 ? cls + 1 : cls) + '0';
}

/** A request MTI is one whose third digit is even (request or advice), e.g. 0200, 0420, 0421. */
export function isRequestMti(mti: string): boolean {
  return /^\d{4}$/.test(mti) && (mti.charCodeAt(2) - 0x30) % 2 === 0;
}

const ECHOED: Record<string, readonly number[]> = {
  '0810': [11, 41, 42, 60],
  '0210': [2, 3, 4, 11, 14, 25, 41, 42, 49, 60],
  '0230': [2, 3, 4, 11, 14, 25, 41, 42, 49, 60],
  '0410': [11, 41, 42, 60],
  '0510': [11, 41, 42, 60],
  '0330': [11, 41, 42],
};
const DEFAULT_ECHO: readonly number[] = [11, 41, 42];

/** Fields the switch stamps on a response besides 39, per response MTI. */
const STAMPED: Record<string, { time: boolean; acquirer: boolean; rrn: boolean }> = {
  '0810': { time: true, acquirer: true, rrn: true },
  '0210': { time: true, acquirer: true, rrn: true },
  '0230': { time: true, acquirer: true, rrn: true },
  '0410': { time: true, acquirer: false, rrn: true },
  '0510': { time: true, acquirer: false, rrn: true },
  '0330': { time: false, acquirer: false, rrn: false },
};

export interface ResponseStamp {
  at: Date;
  acquirerId: string;
  rrn: () => string;
}

/** The response to `request` with field 39 = `code`: echoed fields, time, acquirer and RRN as the MTI calls for. */
export function buildResponse(request: IsoMessage, code: string, stamp: ResponseStamp): IsoMessage {
  const mti = responseMti(request.mti);
  const fields: { [n: number]: FieldValue } = {};
  for (const n of ECHOED[mti] ?? DEFAULT_ECHO) {
    const v = request.fields[n];
    if (v !== undefined) fields[n] = v;
  }
  const s = STAMPED[mti];
  if (s?.time) {
    fields[12] = localTime(stamp.at);
    fields[13] = monthDay(stamp.at);
  }
  if (s?.acquirer) fields[32] = stamp.acquirerId;
  if (s?.rrn) fields[37] = stamp.rrn();
  fields[39] = code;
  return { mti, fields };
}

/** Sign-on and batch upload carry no MAC (pos-profile.md §1). */
export function carriesMac(mti: string): boolean {
  return !(mti.startsWith('08') || mti.startsWith('03'));
}
