export * from './types';
export * from './format';
export * from './receipt-journal';
export * from './journal-sink';
export * from './virtual-printer';
