// A thermal printer with the faults real ones have: paper runs out after N receipts, the cover is open, it is
// offline (before the job: not printed; in the middle of it: unknown), or it is slow.
import { formatReceipt } from './format';
import type { PrinterSink, PrintResult, PrinterStatus, Receipt } from './types';

export type OfflineMode = false | 'before' | 'during';

export interface VirtualPrinterOptions {
  /** Receipts the loaded roll holds; Infinity by default. */
  paper?: number;
  coverOpen?: boolean;
  offline?: OfflineMode;
  /** Each receipt takes this long to print. */
  slowMs?: number;
  /** Rendered texts kept for inspection (the newest); default 100. */
  keep?: number;
  render?: (receipt: Receipt) => string;
}

function nonNegative(value: number, what: string): number {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0) {
    throw new RangeError(`virtual printer: ${what} must be a non-negative number, got ${String(value)}`);
  }
  return value;
}

export class VirtualPrinter implements PrinterSink {
  private paper: number;
  private coverOpen: boolean;
  private offline: OfflineMode;
  private slowMs: number;
  private readonly keep: number;
  private readonly render: (receipt: Receipt) => string;
  private readonly texts: string[] = [];
  private printedCount = 0;
  private refusedCount = 0;

  constructor(opts: VirtualPrinterOptions = {}) {
    this.paper = nonNegative(opts.paper ?? Infinity, 'paper');
    this.coverOpen = opts.coverOpen === true;
    this.offline = VirtualPrinter.checkOffline(opts.offline ?? false);
    this.slowMs = nonNegative(opts.slowMs ?? 0, 'slowMs');
    this.keep = nonNegative(opts.keep ?? 100, 'keep');
    this.render = opts.render ?? formatReceipt;
  }

  private static checkOffline(mode: OfflineMode): OfflineMode {
    if (mode !== false && mode !== 'before' && mode !== 'during') {
      throw new RangeError(`virtual printer: offline must be false, 'before' or 'during', got ${String(mode)}`);
    }
    return mode;
  }

  async print(receipt: Receipt): Promise<PrintResult> {
    if (this.offline === 'before' || this.coverOpen || this.paper < 1) {
      this.refusedCount++;
      return 'not-printed';
    }
    const text = this.render(receipt);
    if (this.slowMs > 0) await new Promise((resolve) => setTimeout(resolve, this.slowMs));
    if (this.offline === 'during') {
      // The job went out; whether the head ran before the link dropped, nobody can tell.
      this.refusedCount++;
      return 'unknown';
    }
    this.paper--;
    this.printedCount++;
    this.texts.push(text);
    if (this.texts.length > this.keep) this.texts.shift();
    return 'printed';
  }

  status(): PrinterStatus {
    const paper = this.paper >= 1 ? 'ok' : 'out';
    const cover = this.coverOpen ? 'open' : 'closed';
    const online = this.offline === false;
    return { ready: paper === 'ok' && cover === 'closed' && online, paper, cover, online };
  }

  /** A new roll holding `receipts` receipts (Infinity by default). */
  loadPaper(receipts = Infinity): void {
    this.paper = nonNegative(receipts, 'paper');
  }

  setCoverOpen(open: boolean): void {
    this.coverOpen = open === true;
  }

  setOffline(mode: OfflineMode): void {
    this.offline = VirtualPrinter.checkOffline(mode);
  }

  setSlow(ms: number): void {
    this.slowMs = nonNegative(ms, 'slowMs');
  }

  /** The rendered receipts that came out of the printer, oldest first. */
  printedTexts(): string[] {
    return this.texts.slice();
  }

  counts(): { printed: number; refused: number } {
    return { printed: this.printedCount, refused: this.refusedCount };
  }
}
