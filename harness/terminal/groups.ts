// The fleet's terminals as groups: each an id range with its mode, merchant and printer. Every terminal of a group
// points at the one group object (nothing copied per terminal).
import type { PrinterSink } from '../printers/types';

export interface TerminalGroup {
  firstId: number;
  count: number;
  /** Default: the fleet's `mode`. */
  mode?: 'dialup' | 'long';
  /** Field 42 of every terminal of the group (15 characters), or a function of the terminal id. */
  merchantId: string | ((terminalId: string) => string);
  /** The name on the receipts (default 'POSFAULT TEST MERCHANT'). */
  merchantName?: string;
  /** The printer of each terminal of the group (by fleet terminal index). Default: `printers.sink`, else the journal. */
  sink?: (terminalIndex: number) => PrinterSink;
}

export interface ResolvedGroup {
  /** Where the group came from in the configuration, for messages: 'terminals' or 'groups[n]'. */
  label: string;
  /** Fleet index of the group's first terminal. */
  firstIndex: number;
  firstId: number;
  count: number;
  dialup: boolean;
  merchantId: (terminalId: string) => string;
  merchantName: string;
  sink: ((terminalIndex: number) => PrinterSink) | null;
}

export const DEFAULT_MERCHANT_NAME = 'POSFAULT TEST MERCHANT';

/** The store's record of the fleet's layout: absent for a single range (as before groups existed). */
export function groupLayout(groups: readonly ResolvedGroup[]): string | undefined {
  if (groups.length === 1) return undefined;
  return groups.map((g) => `${g.firstId}+${g.count}`).join(',');
}

/** The first pair of groups whose ids overlap, as a message; null when none do. */
export function overlap(groups: readonly ResolvedGroup[]): string | null {
  const byId = groups.map((g, n) => ({ g, n })).sort((a, b) => a.g.firstId - b.g.firstId);
  for (let k = 1; k < byId.length; k++) {
    const a = byId[k - 1];
    const b = byId[k];
    const aLast = a.g.firstId + a.g.count - 1;
    if (b.g.firstId <= aLast) {
      const [lo, hi] = [b.g.firstId, Math.min(aLast, b.g.firstId + b.g.count - 1)];
      return `groups[${a.n}] (ids ${a.g.firstId}-${aLast}) and groups[${b.n}] (ids ${b.g.firstId}-${b.g.firstId + b.g.count - 1}) overlap: ids ${lo}-${hi} are in both`;
    }
  }
  return null;
}
