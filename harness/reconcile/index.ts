export * from './records';
export { reconcile } from './reconcile';
export type { ReconcileInput, Reconciliation, Finding, ReversalTally } from './reconcile';
export { joinLedger, keyOf } from './join';
export { ledgerState, isNetDebit } from './ledger-state';
