// Settlement 0500 → 0510; when the switch finds the totals unbalanced, batch upload (0320 per transaction, then
// the end-of-upload 0320); then the batch number advances (cup-pos.md §3.10, pos-profile §1.7).
import { batchTotals, counted, reconciliationCode, settlementRequest, uploadEndRequest, uploadRequest, type BatchTotals } from './messages';
import { prepare } from './financial';
import { field, type Terminal } from './terminal';

export interface SettlementResult {
  ok: boolean;
  /** The batch settled (or that failed to settle) and the batch now open. */
  batch: string;
  nextBatch: string;
  totals: BatchTotals;
  /** 1 balanced, 2 unbalanced, 3 error (field 48 of the 0510). */
  reconciliation?: string;
  uploaded: number;
  responseCode?: string;
  failure?: string;
}

export async function settle(t: Terminal): Promise<SettlementResult> {
  let batch = t.batchText;
  const result = (extra: Partial<SettlementResult>): SettlementResult => ({
    ok: false, batch, nextBatch: t.batchText, totals: batchTotals(t.journal ?? [], batch), uploaded: 0, ...extra,
  });
  const early = await prepare(t, 'settlement');
  if (early !== null) {
    if (early.failure === 'receipt-owed') return result({ failure: `receipt-owed: ${early.reason ?? 'the last receipt is still owed'}` });
    return result({ failure: 'sign-on-failed', ...(early.responseCode ? { responseCode: early.responseCode } : {}) });
  }
  // prepare() may have signed on into another batch: settle the batch the terminal is in now.
  batch = t.batchText;
  const journal = t.journal ?? [];
  const keys = t.keys()!;
  const totals = batchTotals(journal, batch);
  const stan = t.advanceStan();
  await t.ctx.store.append({ k: 'stan', i: t.index, s: t.stan });
  const r = await t.send(settlementRequest(t, stan, t.batchText, totals), keys.mak);
  if (r.kind !== 'response') return result({ failure: r.kind });
  const code = field(r.msg, 39) ?? '';
  if (code !== '00') {
    if (t.ctx.wire.signOnAgainCodes.has(code)) {
      await t.dropKeys();
      await t.signOn();
    }
    return result({ responseCode: code, failure: 'declined' });
  }
  if (!t.ctx.wire.responseMacValid(r.body, r.msg, keys.mak)) return result({ responseCode: code, failure: 'bad-response' });
  const recon = reconciliationCode(r.msg.fields[48]);
  let uploaded = 0;
  if (recon === '2') {
    const entries = journal.filter((e) => counted(e, batch));
    for (const e of entries) {
      const s = t.advanceStan();
      await t.ctx.store.append({ k: 'stan', i: t.index, s: t.stan });
      const u = await t.send(uploadRequest(t, s, t.batchText, e), null);
      if (u.kind !== 'response' || field(u.msg, 39) !== '00') {
        return result({ reconciliation: recon, uploaded, responseCode: code, failure: 'batch upload interrupted' });
      }
      uploaded++;
    }
    const s = t.advanceStan();
    await t.ctx.store.append({ k: 'stan', i: t.index, s: t.stan });
    const end = await t.send(uploadEndRequest(t, s, t.batchText, uploaded), null);
    if (end.kind !== 'response' || field(end.msg, 39) !== '00') {
      return result({ reconciliation: recon, uploaded, responseCode: code, failure: 'end of upload not acknowledged' });
    }
  } else if (recon !== '1') {
    return result({ responseCode: code, failure: `reconciliation code ${recon ?? 'missing'}`, ...(recon ? { reconciliation: recon } : {}) });
  }
  t.batch = t.batch >= 999_999 ? 1 : t.batch + 1;
  t.journal = null;
  await t.ctx.store.append({ k: 'batch', i: t.index, batch: t.batch });
  await t.forgetReceipt();
  return { ok: true, batch, nextBatch: t.batchText, totals, reconciliation: recon, uploaded, responseCode: code };
}
