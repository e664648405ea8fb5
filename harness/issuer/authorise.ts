// The issuer's decisions: one request in, the ledger entries it makes and the response out. Reads the state and
// never changes it: the caller applies the entries (LedgerState.apply), so the same fold rebuilds it on restart.
import { cardRef as cardRefOf, maskPan } from '../security/card';
import { decodePinBlock } from '../security/pin-block';
import type { Prng } from '../security/prng';
import type { Account } from './accounts';
import { duplicateKey, LedgerState, originalTimeKind, type Posted } from './ledger-state';
import type { IssuerRequest } from './request';
import type { IssuerLedgerEntry } from './types';

export interface Decision {
  entries: IssuerLedgerEntry[];
  responseCode: string;
  authCode?: string;
  /** For an approved inquiry: the balance for field 54. */
  balance?: number;
  /** Why, for the debug log (no card data). */
  note?: string;
}

export interface AuthoriseOptions {
  zpk: Buffer;
  pinTryLimit: number;
  duplicateCheck: boolean;
  duplicateResponse: 'original' | '94';
}

/** Why a late original is declined after its reversal: see docs/issuer.md ("Tombstones"). */
export const LATE_ORIGINAL_CODE = '12';

export class Authoriser {
  constructor(
    private readonly state: LedgerState,
    private readonly options: AuthoriseOptions,
    private readonly authCodes: Prng,
  ) {}

  private base(req: IssuerRequest, seq: number, at: number, type: IssuerLedgerEntry['type'], responseCode: string, account?: Account): IssuerLedgerEntry {
    const e: IssuerLedgerEntry = {
      seq,
      at,
      type,
      mti: req.mti,
      terminalId: req.terminalId,
      merchantId: req.merchantId,
      stan: req.stan,
      transmissionDateTime: req.transmissionDateTime,
      rrn: req.rrn,
      amount: req.amount,
      cardRef: account ? account.cardRef : cardRefOf(req.pan),
      panMasked: account ? account.panMasked : maskPan(req.pan),
      responseCode,
    };
    if (req.acquirerId) e.acquirerId = req.acquirerId;
    if (req.original) {
      e.originalMti = req.original.mti;
      e.originalStan = req.original.stan;
      e.originalTransmissionDateTime = req.original.transmissionDateTime;
    }
    return e;
  }

  private one(e: IssuerLedgerEntry, note?: string): Decision {
    return { entries: [e], responseCode: e.responseCode, authCode: e.authCode, note };
  }

  private nextAuthCode(): string {
    return String(this.authCodes.int(1_000_000)).padStart(6, '0');
  }

  /** Every request answered `code` (maintenance 91/96, scripted declines) without looking further. */
  refuse(req: IssuerRequest, at: number, code: string, note: string): Decision {
    return this.one(this.base(req, this.state.nextSeq, at, 'decline', code, this.state.accounts.byPan(req.pan)), note);
  }

  /** The duplicate check (when on): a repeat of a first request with the same 32+41+42+11+4+date, per MTI class. */
  private repeatOf(req: IssuerRequest, at: number): Decision | null {
    if (!this.options.duplicateCheck) return null;
    const key = duplicateKey(req.mti, req.acquirerId, req.terminalId, req.merchantId, req.stan, req.amount, req.transmissionDateTime);
    const first = this.state.firstRequests.get(key);
    if (!first) return null;
    const account = this.state.accounts.byPan(req.pan);
    if (this.options.duplicateResponse === '94') {
      const e = this.base(req, this.state.nextSeq, at, 'decline', '94', account);
      e.duplicateOf = first.seq;
      return this.one(e, 'duplicate transmission');
    }
    const e = this.base(req, this.state.nextSeq, at, first.type, first.responseCode, account);
    e.duplicateOf = first.seq;
    if (first.authCode) e.authCode = first.authCode;
    const d = this.one(e, 'duplicate transmission, answered as the first');
    if (first.type === 'inquiry' && first.responseCode === '00' && account) d.balance = account.balance;
    return d;
  }

  /**
   * `scripted`: a decline code drawn by the caller for the decline-share fault (sales only), applied after the
   * tombstone and duplicate checks so that a repeat of an approved sale is never answered with a random decline.
   */
  decide(req: IssuerRequest, at: number, scripted: string | null = null): Decision {
    if (req.kind === 'reversal') return this.reversal(req, at);
    if (req.kind === 'sale' || req.kind === 'void') {
      const tomb = this.state.tombstoneFor(req.terminalId, req.merchantId, req.stan, req.transmissionDateTime, req.amount);
      if (tomb) {
        const e = this.base(req, this.state.nextSeq, at, 'decline', LATE_ORIGINAL_CODE, this.state.accounts.byPan(req.pan));
        e.reversedBefore = tomb.seq;
        return this.one(e, 'original arrived after its reversal');
      }
    }
    const repeat = this.repeatOf(req, at);
    if (repeat) return repeat;
    switch (req.kind) {
      case 'sale':
        if (scripted) return this.refuse(req, at, scripted, 'scripted decline');
        return this.sale(req, at);
      case 'inquiry':
        return this.inquiry(req, at);
      case 'void':
        return this.void(req, at);
      case 'refund':
        return this.refund(req, at);
      default:
        return this.refuse(req, at, '12', `processing code ${req.processingCode} is not supported on ${req.mti}`);
    }
  }

  /** Card checks shared by sale and inquiry: existence, status, expiry, PIN. A decline entry, or the account. */
  private checkCard(req: IssuerRequest, at: number): { decline: Decision } | { account: Account; pin?: 'ok' } {
    const account = this.state.accounts.byPan(req.pan);
    const seq = this.state.nextSeq;
    if (!account) return { decline: this.refuse(req, at, '14', 'no such card') };
    if (account.spec.status === 'blocked') return { decline: this.one(this.base(req, seq, at, 'decline', '05', account), 'card blocked') };
    if (account.isExpired(at) || (req.expiry !== undefined && req.expiry !== account.spec.expiry)) {
      return { decline: this.one(this.base(req, seq, at, 'decline', '54', account), 'card expired or expiry does not match') };
    }
    const expected = account.expectedPin();
    if (req.pinBlock && expected !== undefined) {
      if (account.triesOn(at) >= this.options.pinTryLimit) {
        const e = this.base(req, seq, at, 'decline', '75', account);
        e.pin = 'locked';
        return { decline: this.one(e, 'PIN tries exhausted') };
      }
      let entered: string | null;
      try {
        entered = decodePinBlock(req.pinBlock, req.pan, this.options.zpk);
      } catch {
        entered = null;
      }
      if (entered === null) {
        // A block that does not decode is a key or format problem on the link, not the cardholder's try.
        return { decline: this.one(this.base(req, seq, at, 'decline', '55', account), 'PIN block does not decode under the ZPK') };
      }
      if (entered !== expected) {
        const e = this.base(req, seq, at, 'decline', account.triesOn(at) + 1 >= this.options.pinTryLimit ? '75' : '55', account);
        e.pin = 'wrong';
        return { decline: this.one(e, 'wrong PIN') };
      }
      return { account, pin: 'ok' };
    }
    return { account };
  }

  private sale(req: IssuerRequest, at: number): Decision {
    const seq = this.state.nextSeq;
    if (req.amount <= 0) return this.refuse(req, at, '13', 'zero amount');
    const checked = this.checkCard(req, at);
    if ('decline' in checked) return checked.decline;
    const { account } = checked;
    const decline = (code: string, note: string) => {
      const e = this.base(req, seq, at, 'decline', code, account);
      if (checked.pin) e.pin = checked.pin;
      return this.one(e, note);
    };
    if (account.spec.perTxnLimit !== undefined && req.amount > account.spec.perTxnLimit) return decline('61', 'over the per-transaction limit');
    if (account.spec.dailyLimit !== undefined && account.spentOn(at) + req.amount > account.spec.dailyLimit) return decline('61', 'over the daily limit');
    if (account.balance < req.amount) return decline('51', 'insufficient funds');
    const e = this.base(req, seq, at, 'debit', '00', account);
    e.authCode = this.nextAuthCode();
    if (checked.pin) e.pin = checked.pin;
    return this.one(e);
  }

  private inquiry(req: IssuerRequest, at: number): Decision {
    const checked = this.checkCard(req, at);
    if ('decline' in checked) return checked.decline;
    const e = this.base(req, this.state.nextSeq, at, 'inquiry', '00', checked.account);
    e.amount = 0;
    if (checked.pin) e.pin = checked.pin;
    const d = this.one(e);
    d.balance = checked.account.balance;
    return d;
  }

  /** Posted sales under the original's 41+42+11+7, for this card (and this amount when given). */
  private salesFor(req: IssuerRequest, amount?: number): Posted[] {
    const o = req.original!;
    const ref = cardRefOf(req.pan);
    return this.state
      .candidates(req.terminalId, req.merchantId, o.stan, o.transmissionDateTime)
      .filter((p) => p.type === 'debit' && p.cardRef === ref && (amount === undefined || p.amount === amount));
  }

  private void(req: IssuerRequest, at: number): Decision {
    const seq = this.state.nextSeq;
    const account = this.state.accounts.byPan(req.pan);
    const sales = this.salesFor(req, req.amount);
    if (sales.length === 0) return this.one(this.base(req, seq, at, 'decline', '25', account), 'void: no such original');
    const requestKey = `${req.terminalId}|${req.merchantId}|${req.stan}`;
    const again = sales.find((p) => p.status === 'voided' && p.voidedBy?.requestKey === requestKey);
    if (again) {
      const e = this.base(req, seq, at, 'void', '00', account);
      e.originalSeq = again.seq;
      e.duplicateOf = again.voidedBy!.seq;
      return this.one(e, 'void repeated: already applied');
    }
    const live = sales.filter((p) => p.status === 'posted');
    if (live.length === 0) return this.one(this.base(req, seq, at, 'decline', '12', account), 'void: original already voided or reversed');
    const e = this.base(req, seq, at, 'void', '00', account);
    e.originalSeq = live[live.length - 1].seq;
    e.authCode = this.nextAuthCode();
    return this.one(e);
  }

  private refund(req: IssuerRequest, at: number): Decision {
    const seq = this.state.nextSeq;
    const account = this.state.accounts.byPan(req.pan);
    if (req.amount <= 0) return this.refuse(req, at, '13', 'zero amount');
    const sales = this.salesFor(req);
    if (sales.length === 0) return this.one(this.base(req, seq, at, 'decline', '25', account), 'refund: no such original');
    const live = sales.filter((p) => p.status === 'posted');
    if (live.length === 0) return this.one(this.base(req, seq, at, 'decline', '12', account), 'refund: original voided or reversed');
    const target = live.find((p) => p.amount - p.refunded >= req.amount);
    if (!target) return this.one(this.base(req, seq, at, 'decline', '13', account), 'refund exceeds what is left of the original');
    const e = this.base(req, seq, at, 'credit', '00', account);
    e.originalSeq = target.seq;
    e.authCode = this.nextAuthCode();
    return this.one(e);
  }

  /**
   * Cancels every posted debit or void under the original's keys (with the dup check off, a repeat may have posted
   * twice under one identity: the reversal undoes the identity, not one copy). A repeat credits nothing.
   */
  private reversal(req: IssuerRequest, at: number): Decision {
    const o = req.original!;
    const matches = this.state
      .candidates(req.terminalId, req.merchantId, o.stan, o.transmissionDateTime)
      .filter((p) => p.amount === req.amount && (req.rrn === '' || p.rrn === '' || p.rrn === req.rrn));
    let live = matches.filter((p) => p.status === 'posted');
    // Without the original's exact field 7 only the latest is safe to take: older ones may be other days' sales.
    if (originalTimeKind(o.transmissionDateTime) !== 'exact') live = live.slice(-1);
    let seq = this.state.nextSeq;
    if (live.length > 0) {
      const entries = live.map((p) => {
        const e = this.base(req, seq++, at, 'reversal', '00', this.state.accounts.byCardRef(p.cardRef));
        e.originalSeq = p.seq;
        return e;
      });
      return { entries, responseCode: '00' };
    }
    const account = this.state.accounts.byPan(req.pan);
    const reversed = matches.filter((p) => p.status === 'reversed');
    const first = reversed.length > 0
      ? this.state.reversedKeys.get(reversed[reversed.length - 1].key)
      : this.state.firstReversal(req.terminalId, req.merchantId, o.stan, o.transmissionDateTime, req.amount);
    if (first) {
      const e = this.base(req, seq, at, 'reversal', first.responseCode, account);
      e.duplicateOf = first.seq;
      return this.one(e, 'reversal repeated: already applied');
    }
    const voided = matches.find((p) => p.status === 'voided');
    if (voided) {
      const e = this.base(req, seq, at, 'reversal', '00', account);
      e.originalSeq = voided.seq;
      e.duplicateOf = voided.voidedBy!.seq;
      return this.one(e, 'reversal of a voided sale: the void already credited it');
    }
    // Never posted (unseen, declined, or other keys): remember it, so a late original is declined.
    return this.one(this.base(req, seq, at, 'reversal', '25', account), 'reversal: original not found, tombstone kept');
  }
}
