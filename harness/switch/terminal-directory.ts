// Who may connect: terminal id → merchant id and terminal master key.
import { deriveTerminalMasterKey } from '../security';

export interface TerminalEntry {
  merchantId: string;
  tmk: Buffer;
}

export interface TerminalDirectory {
  lookup(terminalId: string): TerminalEntry | undefined;
}

export interface TerminalRangeOptions {
  /** The TMK seed shared with the fleet (deriveTerminalMasterKey). */
  seed: string;
  /** The first terminal id as a number, e.g. 10000001; ids are 8 digits. */
  firstId: number;
  count: number;
  merchantId: (terminalId: string) => string;
}

/**
 * A contiguous range of 8-digit terminal ids whose TMKs are derived from a seed on demand: the directory holds
 * nothing per terminal, so a range of a million costs no memory until terminals sign on.
 */
export function terminalRange(opts: TerminalRangeOptions): TerminalDirectory {
  const { seed, firstId, count, merchantId } = opts;
  if (typeof seed !== 'string' || seed === '') throw new TypeError('terminalRange: seed must be a non-empty string');
  if (!Number.isInteger(firstId) || firstId < 0 || !Number.isInteger(count) || count < 0 || firstId + count > 100_000_000) {
    throw new RangeError('terminalRange: firstId and count must be integers within 8-digit ids');
  }
  if (typeof merchantId !== 'function') throw new TypeError('terminalRange: merchantId must be a function');
  const last = firstId + count; // exclusive
  return {
    lookup(terminalId: string): TerminalEntry | undefined {
      if (typeof terminalId !== 'string' || !/^\d{8}$/.test(terminalId)) return undefined;
      const n = Number(terminalId);
      if (n < firstId || n >= last) return undefined;
      // The TMK is derived only when read (at sign-on), so checking a caller costs no HMAC.
      let tmk: Buffer | undefined;
      return {
        merchantId: merchantId(terminalId),
        get tmk(): Buffer {
          tmk ??= deriveTerminalMasterKey(seed, terminalId);
          return tmk;
        },
      };
    },
  };
}

/**
 * The default merchant of a terminal when nothing else says: acquirer 898, area 1000, MCC 5411, and the
 * terminal id's last four digits as the sequence (15 characters, cup-pos.md §3.2 layout).
 */
export function defaultMerchantId(terminalId: string): string {
  return '89810005411' + terminalId.slice(-4).padStart(4, '0');
}

/**
 * Several directories as one (a fleet of several id ranges, each with its own merchant): the first directory that
 * knows a terminal id answers for it.
 */
export function combinedDirectory(directories: readonly TerminalDirectory[]): TerminalDirectory {
  if (!Array.isArray(directories) || directories.length === 0) throw new TypeError('combinedDirectory: give at least one directory');
  if (directories.some((d) => d === null || typeof d !== 'object' || typeof d.lookup !== 'function')) {
    throw new TypeError('combinedDirectory: every directory must have a lookup(terminalId) function');
  }
  const list = directories.slice();
  if (list.length === 1) return list[0];
  return {
    lookup(terminalId: string): TerminalEntry | undefined {
      for (const d of list) {
        const entry = d.lookup(terminalId);
        if (entry !== undefined) return entry;
      }
      return undefined;
    },
  };
}
