// Field 39 codes the switch itself answers with (pos-profile.md §1.8). The dialect's table maps codes to
// meanings; these are the codes the profile gives each situation.
export const RC = {
  approved: '00',
  invalidMerchant: '03',
  formatError: '30',
  batchMismatch: '77',
  issuerInoperative: '91',
  duplicate: '94',
  systemMalfunction: '96',
  unknownTerminal: '97',
  issuerTimeout: '98',
  macError: 'A0',
  pinFormatError: '99',
  originalNotFound: '25',
} as const;

/** The codes whose value depends on the terminal dialect. */
export interface DialectCodes {
  /** No answer from the issuer: CUP's 98, else 91 (issuer or switch inoperative). */
  issuerTimeout: string;
  /** Terminal not in the directory: CUP's 97, else 03 (invalid merchant, i.e. card acceptor). */
  unknownTerminal: string;
}

/**
 * 97 and 98 are private codes (cup-pos.md §3.11): used when the terminal dialect's code table defines them, else
 * the generic ISO 8583:1987 code.
 */
export function dialectCodes(responseCodes: Readonly<Record<string, string>>): DialectCodes {
  return {
    issuerTimeout: RC.issuerTimeout in responseCodes ? RC.issuerTimeout : RC.issuerInoperative,
    unknownTerminal: RC.unknownTerminal in responseCodes ? RC.unknownTerminal : RC.invalidMerchant,
  };
}

/** 0410 / 0430 codes that mean "the reversal is done" (cup-pos.md §3.7). */
export function isReversalDone(code: string | undefined): boolean {
  return code === '00' || code === '25';
}
