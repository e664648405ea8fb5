// The scenario's fleet as groups: each an id range with its mode, merchant and printers. The single-range form
// (`fleet.terminals`, `firstId`, `merchantId`, `mode`) is the shorthand for one group; both come out of the schema
// as the same list, in file order, and fleet indices run through the groups in that order.

export const DEFAULT_FIRST_ID = '10000001';
export const DEFAULT_MERCHANT_ID = '898310048160001';

export interface PrinterSettings {
  sink: 'journal' | 'virtual';
  /** Virtual printers only: paper runs out after this many receipts. */
  paperAfter?: number;
}

export interface FleetGroupSpec {
  /** Where the group is in the file, for messages: 'fleet' (the shorthand) or 'fleet.groups[n]'. */
  label: string;
  /** Fleet index of the group's first terminal. */
  firstIndex: number;
  firstId: string;
  terminals: number;
  mode: 'dialup' | 'long';
  merchantId: string;
  merchantName?: string;
  printers: PrinterSettings;
}

/** What the schema gives for the fleet's id ranges before they are laid out. */
export interface FleetRangesInput {
  terminals?: number | undefined;
  firstId?: string | undefined;
  merchantId?: string | undefined;
  merchantName?: string | undefined;
  mode?: 'dialup' | 'long' | undefined;
  groups?:
    | {
        firstId: string;
        terminals: number;
        mode?: 'dialup' | 'long' | undefined;
        merchantId?: string | undefined;
        merchantName?: string | undefined;
        printers?: { sink?: PrinterSettings['sink'] | undefined; paperAfter?: number | undefined } | undefined;
      }[]
    | undefined;
  printers: { sink: PrinterSettings['sink']; paperAfter?: number | undefined };
}

/** The groups in file order with their fleet indices; the shorthand as one group. Empty only for an invalid file
 *  (neither form given), which the cross-setting checks report. */
export function layOutGroups(f: FleetRangesInput): FleetGroupSpec[] {
  const fleetPrinters: PrinterSettings = { sink: f.printers.sink, ...(f.printers.paperAfter !== undefined ? { paperAfter: f.printers.paperAfter } : {}) };
  if (f.groups === undefined) {
    if (f.terminals === undefined) return [];
    return [{
      label: 'fleet', firstIndex: 0, firstId: f.firstId ?? DEFAULT_FIRST_ID, terminals: f.terminals, mode: f.mode ?? 'long',
      merchantId: f.merchantId ?? DEFAULT_MERCHANT_ID, ...(f.merchantName !== undefined ? { merchantName: f.merchantName } : {}), printers: fleetPrinters,
    }];
  }
  let firstIndex = 0;
  return f.groups.map((g, n) => {
    const sink = g.printers?.sink ?? fleetPrinters.sink;
    // A group that sets its own sink keeps the fleet's paperAfter only if it is still a virtual printer.
    const paperAfter = g.printers?.paperAfter ?? (sink === 'virtual' ? fleetPrinters.paperAfter : undefined);
    const group: FleetGroupSpec = {
      label: `fleet.groups[${n}]`, firstIndex, firstId: g.firstId, terminals: g.terminals, mode: g.mode ?? 'long',
      merchantId: g.merchantId ?? DEFAULT_MERCHANT_ID, ...(g.merchantName !== undefined ? { merchantName: g.merchantName } : {}),
      printers: { sink, ...(paperAfter !== undefined ? { paperAfter } : {}) },
    };
    firstIndex += g.terminals;
    return group;
  });
}

/** The group a fleet index belongs to. */
export function groupAt(groups: readonly FleetGroupSpec[], index: number): FleetGroupSpec | undefined {
  return groups.find((g) => index >= g.firstIndex && index < g.firstIndex + g.terminals);
}

/** Fleet indices of the terminals with virtual printers, ascending: the terminals printer faults can touch. */
export function virtualPrinterIndices(groups: readonly FleetGroupSpec[]): number[] {
  const out: number[] = [];
  for (const g of groups) if (g.printers.sink === 'virtual') for (let i = 0; i < g.terminals; i++) out.push(g.firstIndex + i);
  return out;
}
