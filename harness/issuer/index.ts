// The issuer stub: accounts, a durable ledger, scripted faults (docs/issuer.md).
export { startIssuer, DEFAULT_ISSUER_ZPK } from './issuer';
export { readJournal } from './journal';
export { generateAccounts, TEST_BINS } from './generate-accounts';
export { loadAccountsFile, validateAccounts } from './accounts';
export { isLuhnValid, luhnCheckDigit } from './luhn';
export { movesMoney } from './ledger-state';
export { LATE_ORIGINAL_CODE } from './authorise';
export type {
  AccountSpec,
  AccountsSource,
  GenerateAccountsOptions,
  IssuerConfig,
  IssuerFault,
  IssuerFaultSchedule,
  IssuerHandle,
  IssuerLedgerEntry,
  LatencySpec,
  MaintenanceMode,
  ReadLedgerOptions,
} from './types';
export type { LedgerEntry } from '../reconcile/records';
