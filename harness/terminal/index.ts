// The virtual terminal fleet (docs/terminal.md).
export { createFleet, Fleet, FleetInputError } from './fleet';
export type { PurchaseIntent, FleetOutcome, FleetStats, MessageTrail, TerminalInfo } from './fleet';
export type { FleetConfig, TerminalGroup } from './config';
export { FleetConfigError } from './config';
export type { TransactionResult, Failure } from './context';
export type { RefundInput } from './financial';
export type { RefundOriginal, BatchTotals } from './messages';
export type { SettlementResult } from './settlement';
export type { SignOnResult } from './terminal';
export { StoreError } from './store';
export { TimerWheel } from './timer-wheel';
export type { PrinterSink, PrintResult, Receipt } from '../printers/types';
