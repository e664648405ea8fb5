// Sale, balance inquiry, void and refund: build, arm the reversal record when reversible, send, check the
// response (MTI, 41, 11 matched by the line; MAC here), journal, print, and decide what the customer sees.
import type { IsoMessage } from '../iso8583/types';
import type { AttemptRecord } from '../reconcile/records';
import { cardRef, encodePinBlock } from '../security';
import type { TransactionResult } from './context';
import { purchaseRequest, refundRequest, voidRequest, type Card, type RefundOriginal } from './messages';
import type { JournalEntry } from './persisted';
import { receiptOf } from './receipt';
import { armReversal, disarmReversal, initiateReversal, tryReversal } from './reversal';
import { field, type Terminal } from './terminal';

export interface PurchaseInput {
  intentId: string;
  pan: string;
  expiry: string;
  pin?: string;
  amount: number;
  kind: 'sale' | 'inquiry';
}

export interface RefundInput {
  pan: string;
  expiry: string;
  amount: number;
  original: RefundOriginal;
  intentId?: string;
}

/** What prepare() is getting the terminal ready for: the operations that print a receipt wait for an owed one. */
export type Operation = 'sale' | 'void' | 'refund' | 'inquiry' | 'settlement';

/**
 * Before any financial transaction or settlement: the pending reversal, the pending reprint, sign-on. A sale, void
 * or refund is refused here, before a STAN is taken or anything is sent, while the last receipt is still owed:
 * the terminal can reprint only its last receipt, so a new one would lose the owed one for good.
 */
export async function prepare(t: Terminal, op: Operation): Promise<TransactionResult | null> {
  if (t.reversal !== null && t.reversal.status === 'pending') await tryReversal(t, Infinity);
  await t.reprintIfPending();
  // Settlement clears the terminal's memory, and with it the receipt still owed: it waits for the paper too.
  if (t.reprintPending && op !== 'inquiry') {
    t.ctx.stats.receiptOwedRefusals++;
    return { outcome: 'failed-not-sent', failure: 'receipt-owed', reason: t.receiptOwedReason(), attempt: null };
  }
  const s = await t.ensureSignedOn();
  if (s.ok) return null;
  const r: TransactionResult = { outcome: 'failed-not-sent', failure: 'sign-on-failed', attempt: null };
  if (s.responseCode !== undefined && s.responseCode !== '00') r.responseCode = s.responseCode;
  return r;
}

function newAttempt(t: Terminal, intentId: string, attemptNo: number, kind: AttemptRecord['kind'], stan: string, amount: number, pan: string): AttemptRecord {
  return {
    intentId, attempt: attemptNo, kind, terminalIndex: t.index, terminalId: t.terminalId, merchantId: t.merchantId,
    stan, batch: t.batchText, amount, cardRef: cardRef(pan), sentAt: Date.now(), result: 'in-flight',
  };
}

interface Txn {
  request: IsoMessage;
  body: Buffer;
  attempt: AttemptRecord;
  mak: Buffer;
  reversible: boolean;
  approved: (resp: IsoMessage) => Promise<TransactionResult>;
}

/** Packs before anything is written, so a request the codec refuses changes no state. */
function pack(t: Terminal, build: (stan: string) => IsoMessage, mak: Buffer): { request: IsoMessage; body: Buffer; stan: string } {
  const before = t.stan;
  const stan = t.advanceStan();
  try {
    const request = build(stan);
    return { request, body: t.ctx.wire.pack(request, mak), stan };
  } catch (err) {
    t.stan = before;
    throw err;
  }
}

async function transact(t: Terminal, x: Txn): Promise<TransactionResult> {
  const { ctx } = t;
  const { attempt } = x;
  ctx.attempts.push(attempt);
  if (x.reversible) await armReversal(t, x.request, attempt.kind as 'sale' | 'void', attempt);
  else await ctx.store.append({ k: 'stan', i: t.index, s: t.stan });
  attempt.sentAt = Date.now();
  const r = await t.sendBody(x.request, x.body);
  attempt.finishedAt = Date.now();
  if (r.kind === 'dial-failed' || (r.kind === 'no-response' && !r.sent)) {
    attempt.result = 'dial-failed';
    if (x.reversible) await disarmReversal(t);
    return { outcome: 'failed-not-sent', failure: 'dial-failed', attempt };
  }
  if (r.kind === 'no-response') {
    attempt.result = 'no-response';
    if (x.reversible) return { outcome: await initiateReversal(t, '98', attempt), failure: 'no-response', attempt };
    return { outcome: 'declined', failure: 'no-response', attempt };
  }
  const code = field(r.msg, 39) ?? '';
  const rrn = field(r.msg, 37);
  const auth = field(r.msg, 38);
  attempt.responseCode = code;
  if (rrn !== undefined) attempt.rrn = rrn;
  if (auth !== undefined) attempt.authCode = auth;
  const macOk = ctx.wire.responseMacValid(r.body, r.msg, x.mak);
  if (code === '00' && !macOk) {
    ctx.stats.badResponseMacs++;
    attempt.result = 'bad-response';
    if (x.reversible) return { outcome: await initiateReversal(t, 'A0', attempt), failure: 'bad-response', responseCode: code, attempt };
    return { outcome: 'declined', failure: 'bad-response', responseCode: code, attempt };
  }
  if (code !== '00') {
    attempt.result = 'declined';
    if (!macOk) ctx.stats.declineMacFailures++;
    if (x.reversible) await disarmReversal(t);
    if (t.ctx.wire.signOnAgainCodes.has(code)) {
      await t.dropKeys();
      await t.signOn();
    }
    return { outcome: 'declined', responseCode: code, attempt };
  }
  attempt.result = 'approved';
  if (x.reversible && !completable(x.request, r.msg)) {
    // Approved, but the terminal cannot complete it (no RRN or auth code for the voucher, another amount).
    return { outcome: await initiateReversal(t, '06', attempt), failure: 'bad-response', responseCode: code, attempt };
  }
  return x.approved(r.msg);
}

function completable(request: IsoMessage, resp: IsoMessage): boolean {
  const rrn = field(resp, 37);
  const auth = field(resp, 38);
  const amount = field(resp, 4);
  return rrn !== undefined && rrn.trim() !== '' && auth !== undefined && auth.trim() !== '' && (amount === undefined || amount === request.fields[4]);
}

function journalEntry(t: Terminal, kind: JournalEntry['kind'], stan: string, amount: number, card: Card, resp: IsoMessage, intentId: string | undefined): JournalEntry {
  const now = new Date();
  const mmdd = String(now.getUTCMonth() + 1).padStart(2, '0') + String(now.getUTCDate()).padStart(2, '0');
  const e: JournalEntry = {
    kind, stan, batch: t.batchText, amount, pan: card.pan, expiry: card.expiry, rrn: field(resp, 37) ?? '', authCode: field(resp, 38) ?? '',
    date: field(resp, 13) ?? mmdd, time: field(resp, 12) ?? now.toISOString().slice(11, 19).replace(/:/g, ''), status: 'ok',
  };
  if (intentId !== undefined && intentId !== '') e.intentId = intentId;
  e.at = now.getTime();
  return e;
}

/** Journal the approval and print; the policy decides what a receipt that did not print means. */
async function completeApproved(t: Terminal, e: JournalEntry, attempt: AttemptRecord, reversible: boolean): Promise<TransactionResult> {
  const { ctx } = t;
  (t.journal ??= []).push(e);
  await ctx.store.append({ k: 'txn', i: t.index, t: e });
  const receipt = receiptOf(t, e, false, attempt.cardRef);
  const code = '00';
  if (ctx.cfg.onNotPrinted === 'reprint' || !reversible) {
    if (reversible) await disarmReversal(t);
    const printed = await t.print(receipt);
    await t.keepReceipt(e, printed !== 'printed');
    const outcome = printed === 'printed' ? 'approved-with-receipt' : 'approved-without-receipt';
    return printed === 'printed' ? { outcome, responseCode: code, attempt, printed } : { outcome, responseCode: code, attempt, printed, failure: 'not-printed' };
  }
  const printed = await t.print(receipt);
  if (printed === 'printed') {
    await disarmReversal(t);
    await t.keepReceipt(e, false);
    return { outcome: 'approved-with-receipt', responseCode: code, attempt, printed };
  }
  // Approved, but the terminal could not complete it: reverse with 96 (cup-pos.md §3.7).
  const outcome = await initiateReversal(t, '96', attempt);
  return { outcome, responseCode: code, attempt, printed, failure: 'not-printed' };
}

export async function purchase(t: Terminal, input: PurchaseInput, attemptNo: number): Promise<TransactionResult> {
  const early = await prepare(t, input.kind);
  if (early !== null) return early;
  const keys = t.keys()!;
  const card: Card = { pan: input.pan, expiry: input.expiry };
  const { request, body, stan } = pack(t, (s) => {
    const pinBlock = input.pin !== undefined ? encodePinBlock(input.pin, input.pan, keys.pik) : undefined;
    return purchaseRequest(t, s, t.batchText, card, input.amount, pinBlock, input.kind);
  }, keys.mak);
  const attempt = newAttempt(t, input.intentId, attemptNo, input.kind, stan, input.kind === 'sale' ? input.amount : 0, input.pan);
  return transact(t, {
    request, body, attempt, mak: keys.mak, reversible: input.kind === 'sale',
    approved: async (resp) => {
      if (input.kind === 'inquiry') {
        const r: TransactionResult = { outcome: 'approved-without-receipt', responseCode: '00', attempt };
        const balance = field(resp, 54);
        if (balance !== undefined) r.balance = balance;
        return r;
      }
      return completeApproved(t, journalEntry(t, 'sale', stan, input.amount, card, resp, input.intentId), attempt, true);
    },
  });
}

export async function voidSale(t: Terminal, originalStan: string, intentId: string | undefined): Promise<TransactionResult> {
  // Checked again after prepare(): a sign-on there (77) may have moved the terminal to another batch.
  const check = () => {
    const sales = t.journal?.filter((e) => e.kind === 'sale' && e.stan === originalStan) ?? [];
    const o = sales.find((e) => e.batch === t.batchText);
    if (o === undefined) {
      const old = sales.at(-1);
      if (old !== undefined) {
        throw new Error(`terminal ${t.terminalId}: the sale with voucher number ${originalStan} is of batch ${old.batch}, not the current batch ${t.batchText}: only a refund can take it back`);
      }
      throw new Error(`terminal ${t.terminalId}: no sale with voucher number ${originalStan} in batch ${t.batchText}`);
    }
    if (o.status !== 'ok') throw new Error(`terminal ${t.terminalId}: the sale with voucher number ${originalStan} is already ${o.status}`);
    return o;
  };
  check();
  const early = await prepare(t, 'void');
  if (early !== null) return early;
  const original = check();
  const keys = t.keys()!;
  const { request, body, stan } = pack(t, (s) => voidRequest(t, s, t.batchText, original), keys.mak);
  const id = intentId ?? original.intentId ?? `void:${t.terminalId}:${originalStan}`;
  const attempt = newAttempt(t, id, 1, 'void', stan, original.amount, original.pan);
  return transact(t, {
    request, body, attempt, mak: keys.mak, reversible: true,
    approved: async (resp) => {
      original.status = 'voided';
      await t.ctx.store.append({ k: 'txn', i: t.index, t: original });
      const e = journalEntry(t, 'void', stan, original.amount, original, resp, id);
      e.originalStan = original.stan;
      return completeApproved(t, e, attempt, true);
    },
  });
}

export async function refund(t: Terminal, input: RefundInput): Promise<TransactionResult> {
  const early = await prepare(t, 'refund');
  if (early !== null) return early;
  const keys = t.keys()!;
  const card: Card = { pan: input.pan, expiry: input.expiry };
  const { request, body, stan } = pack(t, (s) => refundRequest(t, s, t.batchText, card, input.amount, input.original), keys.mak);
  const id = input.intentId ?? `refund:${t.terminalId}:${input.original.rrn}`;
  const attempt = newAttempt(t, id, 1, 'refund', stan, input.amount, input.pan);
  return transact(t, {
    request, body, attempt, mak: keys.mak, reversible: false,
    approved: async (resp) => completeApproved(t, journalEntry(t, 'refund', stan, input.amount, card, resp, id), attempt, false),
  });
}
