// The fleet's configuration as the caller gives it, checked, with the defaults of cup-pos.md §3.7 filled in.
import type { PrinterSink } from '../printers/types';
import type { SignOnKeyLayout } from '../security';
import { DEFAULT_MERCHANT_NAME, overlap, type ResolvedGroup, type TerminalGroup } from './groups';

export type { TerminalGroup } from './groups';

export interface FleetConfig {
  switchAddress: { host: string; port: number };
  /** TMKs: deriveTerminalMasterKey(seed, terminalId), the same as the switch's terminalRange. Not needed with `tmk`. */
  seed?: string;
  /** One id range: the shorthand for `groups` with one group. Give `terminals` or `groups`. */
  terminals?: { firstId: number; count: number; merchantId: (terminalId: string) => string; merchantName?: string };
  /** Several id ranges, each with its mode, merchant and printer; terminal indexes run through them in order. */
  groups?: TerminalGroup[];
  /** The mode of `terminals`, and of each group that names none. */
  mode?: 'dialup' | 'long';
  /** The terminal master key of a terminal id (16 bytes; 8 with signOnLayout '001'), for a switch whose TMKs are not
   *  derived from `seed` (e.g. loaded from the switch's key file). */
  tmk?: (terminalId: string) => Buffer;
  /** Field 62 layout asked for in the 0800's 60.3 and decoded from the 0810: '001' single-length PIK/MAK, '003'
   *  double-length (default), '004' double-length plus TDK (cup-pos.md §3.4). */
  signOnLayout?: SignOnKeyLayout;
  /** Keep the last receipt (and a pending reprint) across settlement. Default false: settlement clears the terminal's
   *  memory and no reprint is possible (the seeds' 结算会清空内存，无法重打印). */
  reprintAfterSettlement?: boolean;
  /** Default 'cup-pos'. */
  dialect?: string;
  /** Defaults 10000 / 60000 (§3.7); carrierMs (dial-up line settle) 10; printMs (a print slower than this is 'unknown') 10000. */
  timeouts?: { connectMs?: number; responseMs?: number; carrierMs?: number; printMs?: number };
  /** maxTries: 3. immediate: the first try goes out as soon as the failure is known (default true); the rest
   *  before the next financial transaction, before settlement, or in drainReversals(). */
  reversal?: { maxTries?: number; immediate?: boolean };
  /** Dial attempts per call (default 3) and the pause between them (default 1000 ms). */
  redial?: { maxTries?: number; delayMs?: number };
  /** Default: one journal sink for all, policy 'reverse'. */
  printers?: { sink: (terminalIndex: number) => PrinterSink; onNotPrinted: 'reverse' | 'reprint' };
  /** The fleet's non-volatile store (one append-only file). */
  storePath: string;
  /** fsync the store before requests go out (default true). */
  durable?: boolean;
  /** Rewrite the store as a snapshot after this many bytes of log (default 64 MiB). */
  storeCompactBytes?: number;
  /** Every print attempt as a ReceiptRecord JSON line, besides fleet.receipts(). */
  receiptJournalPath?: string;
  /** Terminal index pairs [a, b]: b uses a's terminal id, merchant id and TMK (an installer's mistake). */
  sharedIds?: Array<[number, number]>;
  /** Timer wheel resolution, default 10 ms. */
  tickMs?: number;
}

export interface ResolvedFleetConfig {
  host: string;
  port: number;
  seed: string;
  /** The first group's first id and the total count: the store's identity. */
  firstId: number;
  count: number;
  groups: ResolvedGroup[];
  tmk: ((terminalId: string) => Buffer) | null;
  signOnLayout: SignOnKeyLayout;
  reprintAfterSettlement: boolean;
  dialect: string;
  connectMs: number;
  responseMs: number;
  carrierMs: number;
  printMs: number;
  reversalMaxTries: number;
  reversalImmediate: boolean;
  redialMaxTries: number;
  redialDelayMs: number;
  sink: ((terminalIndex: number) => PrinterSink) | null;
  onNotPrinted: 'reverse' | 'reprint';
  storePath: string;
  durable: boolean;
  storeCompactBytes: number;
  receiptJournalPath: string | undefined;
  sharedIds: Array<[number, number]>;
  tickMs: number;
}

export class FleetConfigError extends Error {
  constructor(message: string) {
    super(`fleet config: ${message}`);
    this.name = 'FleetConfigError';
  }
}

function int(value: unknown, what: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new FleetConfigError(`${what} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

function obj(value: unknown, what: string): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object') throw new FleetConfigError(`${what} must be an object`);
  return value as Record<string, unknown>;
}

export function resolveFleetConfig(c: FleetConfig): ResolvedFleetConfig {
  if (c === null || typeof c !== 'object') throw new FleetConfigError('must be an object');
  const addr = obj(c.switchAddress, 'switchAddress');
  if (typeof addr.host !== 'string' || addr.host === '') throw new FleetConfigError('switchAddress.host must be a non-empty string');
  const port = int(addr.port, 'switchAddress.port', 1, 65535);
  if (c.tmk !== undefined && typeof c.tmk !== 'function') throw new FleetConfigError('tmk must be a function of the terminal id giving the TMK');
  if (c.tmk === undefined || c.seed !== undefined) {
    if (typeof c.seed !== 'string' || c.seed === '') throw new FleetConfigError('seed must be a non-empty string');
  }
  if (c.signOnLayout !== undefined && c.signOnLayout !== '001' && c.signOnLayout !== '003' && c.signOnLayout !== '004') {
    throw new FleetConfigError(`signOnLayout must be '001', '003' or '004', got ${String(c.signOnLayout)}`);
  }
  if (c.reprintAfterSettlement !== undefined && typeof c.reprintAfterSettlement !== 'boolean') throw new FleetConfigError('reprintAfterSettlement must be a boolean');
  const groups = resolveGroups(c);
  const count = groups.reduce((n, g) => n + g.count, 0);
  if (count > 1_000_000) throw new FleetConfigError(`a fleet has at most 1000000 terminals, the groups give ${count}`);
  if (c.dialect !== undefined && (typeof c.dialect !== 'string' || c.dialect === '')) throw new FleetConfigError('dialect must be a name');
  const to = obj(c.timeouts, 'timeouts');
  const rev = obj(c.reversal, 'reversal');
  if (rev.immediate !== undefined && typeof rev.immediate !== 'boolean') throw new FleetConfigError('reversal.immediate must be a boolean');
  const redial = obj(c.redial, 'redial');
  let sink: ResolvedFleetConfig['sink'] = null;
  let onNotPrinted: ResolvedFleetConfig['onNotPrinted'] = 'reverse';
  if (c.printers !== undefined) {
    const p = obj(c.printers, 'printers');
    if (typeof p.sink !== 'function') throw new FleetConfigError('printers.sink must be a function of the terminal index');
    if (p.onNotPrinted !== 'reverse' && p.onNotPrinted !== 'reprint') {
      throw new FleetConfigError(`printers.onNotPrinted must be 'reverse' or 'reprint', got ${String(p.onNotPrinted)}`);
    }
    sink = p.sink as (i: number) => PrinterSink;
    onNotPrinted = p.onNotPrinted;
  }
  if (typeof c.storePath !== 'string' || c.storePath === '') throw new FleetConfigError('storePath must be a non-empty string');
  if (c.durable !== undefined && typeof c.durable !== 'boolean') throw new FleetConfigError('durable must be a boolean');
  if (c.receiptJournalPath !== undefined && (typeof c.receiptJournalPath !== 'string' || c.receiptJournalPath === '')) {
    throw new FleetConfigError('receiptJournalPath must be a non-empty string');
  }
  const sharedIds: Array<[number, number]> = [];
  if (c.sharedIds !== undefined) {
    if (!Array.isArray(c.sharedIds)) throw new FleetConfigError('sharedIds must be an array of [index, index] pairs');
    for (const pair of c.sharedIds) {
      if (!Array.isArray(pair) || pair.length !== 2) throw new FleetConfigError('sharedIds must be an array of [index, index] pairs');
      const a = int(pair[0], 'sharedIds index', 0, count - 1);
      const b = int(pair[1], 'sharedIds index', 0, count - 1);
      if (a === b) throw new FleetConfigError(`sharedIds pair [${a}, ${b}] names one terminal twice`);
      sharedIds.push([a, b]);
    }
  }
  return {
    host: addr.host,
    port,
    seed: c.seed ?? '',
    firstId: groups[0].firstId,
    count,
    groups,
    tmk: c.tmk ?? null,
    signOnLayout: c.signOnLayout ?? '003',
    reprintAfterSettlement: c.reprintAfterSettlement ?? false,
    dialect: c.dialect ?? 'cup-pos',
    connectMs: int(to.connectMs ?? 10_000, 'timeouts.connectMs', 1),
    responseMs: int(to.responseMs ?? 60_000, 'timeouts.responseMs', 1),
    carrierMs: int(to.carrierMs ?? 10, 'timeouts.carrierMs', 0),
    printMs: int(to.printMs ?? 10_000, 'timeouts.printMs', 1),
    reversalMaxTries: int(rev.maxTries ?? 3, 'reversal.maxTries', 1, 100),
    reversalImmediate: (rev.immediate as boolean | undefined) ?? true,
    redialMaxTries: int(redial.maxTries ?? 3, 'redial.maxTries', 1, 100),
    redialDelayMs: int(redial.delayMs ?? 1000, 'redial.delayMs', 0),
    sink,
    onNotPrinted,
    storePath: c.storePath,
    durable: c.durable ?? true,
    storeCompactBytes: int(c.storeCompactBytes ?? 64 * 1024 * 1024, 'storeCompactBytes', 1),
    receiptJournalPath: c.receiptJournalPath,
    sharedIds,
    tickMs: int(c.tickMs ?? 10, 'tickMs', 1, 1000),
  };
}

function mode(value: unknown, what: string): boolean {
  if (value !== 'dialup' && value !== 'long') throw new FleetConfigError(`${what} must be 'dialup' or 'long', got ${String(value)}`);
  return value === 'dialup';
}

/** `terminals` as one group, or `groups` checked one by one and against each other. */
function resolveGroups(c: FleetConfig): ResolvedGroup[] {
  if (c.terminals !== undefined && c.groups !== undefined) throw new FleetConfigError('give terminals (one id range) or groups, not both');
  if (c.groups === undefined) {
    const t = obj(c.terminals, 'terminals');
    const count = int(t.count, 'terminals.count', 1, 1_000_000);
    const firstId = int(t.firstId, 'terminals.firstId', 0, 99_999_999 - count + 1);
    if (typeof t.merchantId !== 'function') throw new FleetConfigError('terminals.merchantId must be a function of the terminal id');
    if (t.merchantName !== undefined && typeof t.merchantName !== 'string') throw new FleetConfigError('terminals.merchantName must be a string');
    return [{
      label: 'terminals', firstIndex: 0, firstId, count, dialup: mode(c.mode, 'mode'), merchantId: t.merchantId as (id: string) => string,
      merchantName: (t.merchantName as string | undefined) ?? DEFAULT_MERCHANT_NAME, sink: null,
    }];
  }
  if (!Array.isArray(c.groups) || c.groups.length === 0) throw new FleetConfigError('groups must be a non-empty array');
  if (c.mode !== undefined) mode(c.mode, 'mode');
  const out: ResolvedGroup[] = [];
  let firstIndex = 0;
  c.groups.forEach((raw, n) => {
    const g = obj(raw, `groups[${n}]`);
    const count = int(g.count, `groups[${n}].count`, 1, 1_000_000);
    const firstId = int(g.firstId, `groups[${n}].firstId`, 0, 99_999_999 - count + 1);
    const m = g.merchantId;
    let merchantId: (id: string) => string;
    if (typeof m === 'function') merchantId = m as (id: string) => string;
    else if (typeof m === 'string') merchantId = () => m;
    else throw new FleetConfigError(`groups[${n}].merchantId must be a 15-character merchant id or a function of the terminal id`);
    if (g.merchantName !== undefined && typeof g.merchantName !== 'string') throw new FleetConfigError(`groups[${n}].merchantName must be a string`);
    if (g.sink !== undefined && typeof g.sink !== 'function') throw new FleetConfigError(`groups[${n}].sink must be a function of the terminal index`);
    if (g.mode === undefined && c.mode === undefined) throw new FleetConfigError(`groups[${n}].mode: give the group a mode or the fleet a default mode`);
    out.push({
      label: `groups[${n}]`, firstIndex, firstId, count, dialup: mode(g.mode ?? c.mode, `groups[${n}].mode`), merchantId,
      merchantName: (g.merchantName as string | undefined) ?? DEFAULT_MERCHANT_NAME,
      sink: (g.sink as ResolvedGroup['sink'] | undefined) ?? null,
    });
    firstIndex += count;
  });
  const clash = overlap(out);
  if (clash !== null) throw new FleetConfigError(clash);
  return out;
}
