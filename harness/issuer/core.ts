// The issuer's book-keeping behind the wire: decide, apply to the state, journal, and hand back the answer only
// once the fsync covering its entries has returned. One IssuerCore lives from a start (or restart) to a stop.
import { Prng } from '../security/prng';
import { AccountBook } from './accounts';
import { Authoriser, type Decision } from './authorise';
import { JournalWriter, recoverJournal, type RecoveredJournal } from './journal';
import { LedgerState } from './ledger-state';
import type { IssuerMetrics } from './metrics';
import type { IssuerRequest } from './request';
import type { AccountSpec } from './types';

export interface CoreOptions {
  journalFile: string;
  accounts: AccountSpec[];
  zpk: Buffer;
  pinTryLimit: number;
  duplicateCheck: boolean;
  duplicateResponse: 'original' | '94';
  prng: Prng;
  metrics: IssuerMetrics;
}

export class IssuerCore {
  readonly state: LedgerState;
  readonly journal: JournalWriter;
  readonly recovered: RecoveredJournal;
  private readonly authoriser: Authoriser;

  constructor(options: CoreOptions) {
    this.state = new LedgerState(new AccountBook(options.accounts));
    this.recovered = recoverJournal(options.journalFile, (e) => this.state.apply(e));
    this.journal = new JournalWriter(options.journalFile, this.recovered);
    // The auth-code stream continues where the journal left off, so codes stay distinct across restarts.
    this.authoriser = new Authoriser(this.state, options, options.prng.fork(`auth-codes@${this.recovered.lastSeq}`));
    const m = options.metrics;
    m.ledgerEntries.set(this.recovered.lastSeq);
    this.journal.onSync = (seconds, entries) => {
      m.fsync.observe(seconds);
      m.fsyncBatch.observe(entries);
      m.ledgerEntries.set(this.journal.committedSeq);
    };
  }

  /** True once a journal write failed: nothing more can be made durable, every request is answered 96. */
  get failed(): boolean {
    return this.journal.error !== null;
  }

  /**
   * Decides, applies and journals one request. `forced` answers it with that code without looking (maintenance),
   * `scripted` is a drawn decline for a sale. Resolves after the fsync; rejects if the journal fails or is dropped.
   */
  async handle(req: IssuerRequest, forced: string | null, scripted: string | null): Promise<Decision> {
    const at = Date.now();
    if (this.failed) return { entries: [], responseCode: '96', note: 'journal failed; nothing can be made durable' };
    const decision = forced ? this.authoriser.refuse(req, at, forced, 'maintenance') : this.authoriser.decide(req, at, scripted);
    const writes: Promise<void>[] = [];
    for (const e of decision.entries) {
      this.state.apply(e);
      writes.push(this.journal.append(e));
    }
    await Promise.all(writes);
    return decision;
  }

  balance(pan: string): number | undefined {
    return this.state.accounts.byPan(pan)?.balance;
  }
}
