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

/** 0410 / 0430 codes that mean "the reversal is done" (cup-pos.md §3.7). */
export function isReversalDone(code: string | undefined): boolean {
  return code === '00' || code === '25';
}
