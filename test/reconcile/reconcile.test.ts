import { strict as assert } from 'node:assert';
import { reconcile } from '../../harness/reconcile';
import { attempt, entry, receipt, resetSeq, reversal } from './build';

describe('reconciler: headline figures from hand-built records', () => {
  beforeEach(() => resetSeq());

  it('an approved, printed sale is clean on every figure', () => {
    const d = entry({ type: 'debit', stan: '000001', at: 10, rrn: 'R1' });
    const r = reconcile({
      ledger: [d],
      attempts: [attempt({ intentId: 'i1', stan: '000001', sentAt: 5, result: 'approved', responseCode: '00', rrn: 'R1' })],
      switchReversals: [],
      receipts: [receipt({ stan: '000001', rrn: 'R1', printed: 'printed', intentId: 'i1' })],
    });
    assert.equal(r.unprintedButDebited.count, 0);
    assert.equal(r.printedButNotDebited.count, 0);
    assert.equal(r.duplicateCharges.leaked, 0);
    assert.equal(r.duplicateCharges.reachedMoreThanOnce, 0);
    assert.equal(r.reversals.initiated, 0);
    assert.equal(r.reversals.successRate, null);
    assert.equal(r.ledger.netDebits, 1);
  });

  it('a timed-out sale whose debit stands and was never reversed is unprinted-but-debited', () => {
    const r = reconcile({
      ledger: [entry({ type: 'debit', stan: '000002', at: 10, rrn: 'R2' })],
      attempts: [attempt({ intentId: 'i1', stan: '000002', sentAt: 5, result: 'no-response' })],
      switchReversals: [],
      receipts: [],
    });
    assert.equal(r.unprintedButDebited.count, 1);
    assert.equal(r.unprintedButDebited.items[0].intentId, 'i1');
    assert.deepEqual(r.unprintedButDebited.items[0].ledgerSeqs, [1]);
  });

  it('a reversal of a debit that was never posted is completed once acknowledged (code 25)', () => {
    const rev = reversal({ stan: '000003', status: 'acknowledged', ackCode: '25' });
    const r = reconcile({
      ledger: [entry({ type: 'reversal', stan: '000003', at: 20, responseCode: '25' })],
      attempts: [attempt({ intentId: 'i1', stan: '000003', sentAt: 5, result: 'no-response', reversal: rev })],
      switchReversals: [],
      receipts: [],
    });
    assert.equal(r.reversals.initiated, 1);
    assert.equal(r.reversals.completed, 1);
    assert.equal(r.reversals.successRate, 1);
    assert.equal(r.unprintedButDebited.count, 0);
  });

  it('the same reversal not acknowledged is not completed, even though nothing is debited', () => {
    const rev = reversal({ stan: '000003', status: 'failed', tries: 3 });
    const r = reconcile({
      ledger: [],
      attempts: [attempt({ intentId: 'i1', stan: '000003', sentAt: 5, result: 'no-response', reversal: rev })],
      switchReversals: [],
      receipts: [],
    });
    assert.equal(r.reversals.completed, 0);
    assert.equal(r.reversals.successRate, 0);
    assert.match(r.reversals.notCompleted[0].detail, /failed after 3 tries/);
  });

  it('a late approval after the reversal leaves the debit standing: reversal not completed, unprinted-but-debited', () => {
    // The 0400 reached the issuer first (answered 25, nothing to cancel); the delayed 0200 was posted afterwards.
    const rev = reversal({ stan: '000004', status: 'acknowledged', ackCode: '25', initiatedAt: 30 });
    const r = reconcile({
      ledger: [
        entry({ type: 'reversal', stan: '000004', at: 40, responseCode: '25' }),
        entry({ type: 'debit', stan: '000004', at: 50, rrn: 'R4' }),
      ],
      attempts: [attempt({ intentId: 'i1', stan: '000004', sentAt: 5, result: 'no-response', reversal: rev })],
      switchReversals: [],
      receipts: [],
    });
    assert.equal(r.reversals.initiated, 1);
    assert.equal(r.reversals.completed, 0);
    assert.match(r.reversals.notCompleted[0].detail, /acknowledged \(25\) but ledger 2 still stands/);
    assert.equal(r.unprintedButDebited.count, 1);
  });

  it('a reversal that cancelled its debit completes, and the sale is neither unprinted nor printed-but-not-debited', () => {
    const rev = reversal({ stan: '000005', status: 'acknowledged', ackCode: '00' });
    const r = reconcile({
      ledger: [
        entry({ type: 'debit', stan: '000005', at: 10, rrn: 'R5' }),
        entry({ type: 'reversal', stan: '000005', at: 40, originalSeq: 1 }),
      ],
      attempts: [attempt({ intentId: 'i1', stan: '000005', sentAt: 5, result: 'no-response', reversal: rev })],
      switchReversals: [],
      receipts: [],
    });
    assert.equal(r.reversals.completed, 1);
    assert.equal(r.unprintedButDebited.count, 0);
    assert.equal(r.ledger.netDebits, 0);
  });

  it('a second swipe after a reversed failure reached the issuer twice and ends with one debit: prevented', () => {
    const rev = reversal({ stan: '000006', status: 'acknowledged', ackCode: '00' });
    const r = reconcile({
      ledger: [
        entry({ type: 'debit', stan: '000006', at: 10, rrn: 'R6' }),
        entry({ type: 'reversal', stan: '000006', at: 40, originalSeq: 1 }),
        entry({ type: 'debit', stan: '000007', at: 60, rrn: 'R7' }),
      ],
      attempts: [
        attempt({ intentId: 'i1', stan: '000006', sentAt: 5, result: 'no-response', reversal: rev }),
        attempt({ intentId: 'i1', attempt: 2, stan: '000007', sentAt: 55, result: 'approved', responseCode: '00', rrn: 'R7' }),
      ],
      switchReversals: [],
      receipts: [receipt({ stan: '000007', rrn: 'R7', printed: 'printed', intentId: 'i1' })],
    });
    assert.equal(r.duplicateCharges.reachedMoreThanOnce, 1);
    assert.equal(r.duplicateCharges.prevented, 1);
    assert.equal(r.duplicateCharges.leaked, 0);
    assert.equal(r.unprintedButDebited.count, 0);
  });

  it('a second swipe whose first debit was never reversed is a leaked duplicate charge', () => {
    const rev = reversal({ stan: '000006', status: 'failed', tries: 3 });
    const r = reconcile({
      ledger: [entry({ type: 'debit', stan: '000006', at: 10, rrn: 'R6' }), entry({ type: 'debit', stan: '000007', at: 60, rrn: 'R7' })],
      attempts: [
        attempt({ intentId: 'i1', stan: '000006', sentAt: 5, result: 'no-response', reversal: rev }),
        attempt({ intentId: 'i1', attempt: 2, stan: '000007', sentAt: 55, result: 'approved', responseCode: '00', rrn: 'R7' }),
      ],
      switchReversals: [],
      receipts: [receipt({ stan: '000007', rrn: 'R7', printed: 'printed', intentId: 'i1' })],
    });
    assert.equal(r.duplicateCharges.leaked, 1);
    assert.equal(r.duplicateCharges.prevented, 0);
    assert.deepEqual(r.duplicateCharges.items[0].ledgerSeqs, [1, 2]);
    assert.equal(r.unprintedButDebited.count, 1, 'the first attempt is debited without a receipt');
  });

  it('a retransmission with the same STAN posted twice (no duplicate check anywhere) is leaked', () => {
    const r = reconcile({
      ledger: [entry({ type: 'debit', stan: '000008', at: 10, rrn: 'R8' }), entry({ type: 'debit', stan: '000008', at: 20, rrn: 'R9' })],
      attempts: [
        attempt({ intentId: 'i1', stan: '000008', sentAt: 5, result: 'no-response' }),
        attempt({ intentId: 'i1', attempt: 2, stan: '000008', sentAt: 15, result: 'approved', responseCode: '00', rrn: 'R9' }),
      ],
      switchReversals: [],
      receipts: [receipt({ stan: '000008', rrn: 'R9', printed: 'printed', intentId: 'i1' })],
    });
    assert.equal(r.duplicateCharges.leaked, 1);
  });

  it('the issuer duplicate check catching the repeat (94, duplicateOf) counts as prevented', () => {
    const r = reconcile({
      ledger: [
        entry({ type: 'debit', stan: '000008', at: 10, rrn: 'R8' }),
        entry({ type: 'decline', stan: '000008', at: 20, rrn: 'R9', responseCode: '94', duplicateOf: 1 }),
      ],
      attempts: [
        attempt({ intentId: 'i1', stan: '000008', sentAt: 5, result: 'no-response' }),
        attempt({ intentId: 'i1', attempt: 2, stan: '000008', sentAt: 15, result: 'declined', responseCode: '94', rrn: 'R9' }),
      ],
      switchReversals: [],
      receipts: [],
    });
    assert.equal(r.duplicateCharges.reachedMoreThanOnce, 1);
    assert.equal(r.duplicateCharges.prevented, 1);
    assert.equal(r.duplicateCharges.leaked, 0);
  });

  it('a reprint that printed after the first receipt failed means the customer holds a receipt', () => {
    const r = reconcile({
      ledger: [entry({ type: 'debit', stan: '000009', at: 10, rrn: 'RA' })],
      attempts: [attempt({ intentId: 'i1', stan: '000009', sentAt: 5, result: 'approved', responseCode: '00', rrn: 'RA' })],
      switchReversals: [],
      receipts: [
        receipt({ stan: '000009', rrn: 'RA', printed: 'not-printed' }),
        receipt({ stan: '000009', rrn: 'RA', printed: 'printed', reprint: true, at: 99 }),
      ],
    });
    assert.equal(r.unprintedButDebited.count, 0);
    assert.equal(r.printedButNotDebited.count, 0);
  });

  it('a receipt whose printer could not say (unknown) is not proof of a receipt', () => {
    const r = reconcile({
      ledger: [entry({ type: 'debit', stan: '000009', at: 10, rrn: 'RA' })],
      attempts: [attempt({ intentId: 'i1', stan: '000009', sentAt: 5, result: 'approved', responseCode: '00', rrn: 'RA' })],
      switchReversals: [],
      receipts: [receipt({ stan: '000009', rrn: 'RA', printed: 'unknown' })],
    });
    assert.equal(r.unprintedButDebited.count, 1);
  });

  it('a printed receipt whose debit was reversed afterwards is printed-but-not-debited; a voided one is not', () => {
    const r = reconcile({
      ledger: [
        entry({ type: 'debit', stan: '000010', at: 10, rrn: 'RB' }),
        entry({ type: 'reversal', stan: '000010', at: 30, originalSeq: 1 }),
        entry({ type: 'debit', stan: '000011', at: 40, rrn: 'RC' }),
        entry({ type: 'void', stan: '000012', at: 50, rrn: 'RD', originalSeq: 3 }),
      ],
      attempts: [
        attempt({ intentId: 'i1', stan: '000010', sentAt: 5, result: 'approved', responseCode: '00', rrn: 'RB' }),
        attempt({ intentId: 'i2', stan: '000011', sentAt: 35, result: 'approved', responseCode: '00', rrn: 'RC' }),
        attempt({ intentId: 'i3', kind: 'void', stan: '000012', sentAt: 45, result: 'approved', responseCode: '00', rrn: 'RD' }),
      ],
      switchReversals: [],
      receipts: [
        receipt({ stan: '000010', rrn: 'RB', printed: 'printed' }),
        receipt({ stan: '000011', rrn: 'RC', printed: 'printed' }),
      ],
    });
    assert.equal(r.printedButNotDebited.count, 1);
    assert.equal(r.printedButNotDebited.items[0].stan, '000010');
  });

  it('a printed receipt the issuer never saw (a switch approving on its own) is printed-but-not-debited', () => {
    const r = reconcile({
      ledger: [],
      attempts: [attempt({ intentId: 'i1', stan: '000013', sentAt: 5, result: 'approved', responseCode: '00', rrn: 'RE' })],
      switchReversals: [],
      receipts: [receipt({ stan: '000013', rrn: 'RE', printed: 'printed' }), receipt({ stan: '000013', rrn: 'RE', printed: 'printed', reprint: true })],
    });
    assert.equal(r.printedButNotDebited.count, 1, 'a reprint is the same transaction, counted once');
  });

  it('a reversed void puts the sale back as a net debit', () => {
    const r = reconcile({
      ledger: [
        entry({ type: 'debit', stan: '000014', at: 10, rrn: 'RF' }),
        entry({ type: 'void', stan: '000015', at: 20, originalSeq: 1 }),
        entry({ type: 'reversal', stan: '000015', at: 30, originalSeq: 2 }),
      ],
      attempts: [],
      switchReversals: [],
      receipts: [],
    });
    assert.equal(r.ledger.netDebits, 1);
    assert.equal(r.unmatchedDebits.count, 1);
  });

  it('with a reused STAN, the ledger entry joins the latest attempt sent before it', () => {
    // Terminal restarted its STAN counter: two intents both used STAN 000001 with the same card and amount.
    const r = reconcile({
      ledger: [entry({ type: 'debit', stan: '000001', at: 10 }), entry({ type: 'debit', stan: '000001', at: 110 })],
      attempts: [
        attempt({ intentId: 'i1', stan: '000001', sentAt: 5, result: 'no-response' }),
        attempt({ intentId: 'i2', stan: '000001', sentAt: 105, result: 'approved', responseCode: '00', rrn: 'R2' }),
      ],
      switchReversals: [],
      receipts: [receipt({ stan: '000001', rrn: 'R2', printed: 'printed' })],
    });
    assert.equal(r.duplicateCharges.leaked, 0, 'two intents with one debit each are not a duplicate charge');
    assert.equal(r.unprintedButDebited.count, 1);
    assert.equal(r.unprintedButDebited.items[0].intentId, 'i1');
  });

  it('switch store-and-forward reversals join their original by RRN; acknowledged but standing is not completed', () => {
    const r = reconcile({
      ledger: [
        entry({ type: 'debit', stan: '000020', at: 10, rrn: 'S1' }),
        entry({ type: 'debit', stan: '000021', at: 10, rrn: 'S2' }),
        entry({ type: 'reversal', stan: '000020', at: 30, originalSeq: 1, mti: '0420' }),
      ],
      attempts: [
        attempt({ intentId: 'i1', stan: '000020', sentAt: 5, result: 'declined', responseCode: '98' }),
        attempt({ intentId: 'i2', stan: '000021', sentAt: 5, result: 'declined', responseCode: '98' }),
      ],
      switchReversals: [
        reversal({ initiator: 'switch', stan: '000020', rrn: 'S1', status: 'acknowledged', ackCode: '00' }),
        reversal({ initiator: 'switch', stan: '000021', rrn: 'S2', status: 'acknowledged', ackCode: '00' }),
        reversal({ initiator: 'switch', stan: '000022', rrn: 'S3', status: 'pending', reason: '98' }),
      ],
      receipts: [],
    });
    assert.equal(r.reversals.byInitiator.switch.initiated, 3);
    assert.equal(r.reversals.byInitiator.switch.completed, 1);
    assert.equal(r.reversals.byReason['98'].initiated, 3);
    assert.equal(r.unprintedButDebited.count, 1);
  });

  it('counts attempts by result and response code, and ledger entries by type', () => {
    const r = reconcile({
      ledger: [entry({ type: 'decline', stan: '000030', at: 10, responseCode: '51' })],
      attempts: [
        attempt({ intentId: 'i1', stan: '000030', sentAt: 5, result: 'declined', responseCode: '51' }),
        attempt({ intentId: 'i2', stan: '000031', sentAt: 5, result: 'dial-failed' }),
      ],
      switchReversals: [],
      receipts: [],
    });
    assert.deepEqual(r.attempts.byResponseCode, { '51': 1, none: 1 });
    assert.deepEqual(r.attempts.byResult, { declined: 1, 'dial-failed': 1 });
    assert.deepEqual(r.ledger.byType, { decline: 1 });
    assert.equal(r.duplicateCharges.reachedMoreThanOnce, 0);
  });
});

describe('reconciler: requests garbled on the line', () => {
  beforeEach(() => resetSeq());

  it('a debit whose amount was garbled still belongs to the attempt and counts as unprinted-but-debited', () => {
    const r = reconcile({
      ledger: [entry({ type: 'debit', stan: '000040', at: 10, amount: 9000 })],
      attempts: [attempt({ intentId: 'i1', stan: '000040', sentAt: 5, result: 'bad-response' })],
      switchReversals: [],
      receipts: [],
    });
    assert.equal(r.unmatchedDebits.count, 0);
    assert.equal(r.unprintedButDebited.count, 1);
    assert.match(r.unprintedButDebited.items[0].detail, /another amount than the terminal sent/);
  });

  it('a debit joined by its RRN whose amount was garbled is an altered request, not a clean match', () => {
    // The terminal received the 0210 (so it holds the RRN) but saw another amount, and reversed with 06; the
    // reversal carried the amount it had sent, so the issuer found no original and the debit stands.
    const r = reconcile({
      ledger: [
        entry({ type: 'debit', stan: '000004', at: 10, amount: 38065, rrn: '634003936247' }),
        entry({ type: 'reversal', stan: '000004', at: 30, amount: 38865, responseCode: '25' }),
      ],
      attempts: [attempt({ intentId: 'i1', stan: '000004', sentAt: 5, result: 'bad-response', amount: 38865, rrn: '634003936247' })],
      switchReversals: [],
      receipts: [],
    });
    assert.equal(r.alteredRequests.count, 1);
    assert.match(r.alteredRequests.items[0].detail, /another amount than terminal 10000001 sent/);
    assert.equal(r.unprintedButDebited.count, 1);
    assert.equal(r.unmatchedDebits.count, 0);
  });

  it('a debit joined by its RRN with the amount and card the terminal sent is not altered', () => {
    const r = reconcile({
      ledger: [entry({ type: 'debit', stan: '000004', at: 10, amount: 38865, rrn: '634003936247' })],
      attempts: [attempt({ intentId: 'i1', stan: '000004', sentAt: 5, result: 'approved', amount: 38865, rrn: '634003936247' })],
      switchReversals: [],
      receipts: [],
    });
    assert.equal(r.alteredRequests.count, 0);
  });

  it('an entry that differs in two of STAN, amount and card is left unmatched', () => {
    const r = reconcile({
      ledger: [entry({ type: 'debit', stan: '000041', at: 10, amount: 9000 })],
      attempts: [attempt({ intentId: 'i1', stan: '000040', sentAt: 5, result: 'bad-response' })],
      switchReversals: [],
      receipts: [],
    });
    assert.equal(r.unmatchedDebits.count, 1);
    assert.equal(r.unprintedButDebited.count, 0);
  });
});

describe('reconciler: reach and reversals from the ledger and the switch records', () => {
  beforeEach(() => resetSeq());

  it('an intent is reached more than once only by what the issuer booked or the switch recorded, not by the terminal\'s account', () => {
    // Two attempts the terminal says got past dialling: the first has no evidence at all (no response, nothing
    // booked), the second was answered by the switch (91) and so reached it once: once is not a duplicate.
    const r = reconcile({
      ledger: [],
      attempts: [
        attempt({ intentId: 'i1', stan: '000050', sentAt: 5, result: 'no-response' }),
        attempt({ intentId: 'i1', attempt: 2, stan: '000051', sentAt: 50, result: 'declined', responseCode: '91' }),
      ],
      switchReversals: [],
      receipts: [],
    });
    assert.equal(r.duplicateCharges.reachedMoreThanOnce, 0);
    assert.equal(r.duplicateCharges.prevented, 0);
  });

  it('a repeat the switch answered 94 itself reached it: with one standing debit the duplicate was prevented', () => {
    const r = reconcile({
      ledger: [entry({ type: 'debit', stan: '000060', at: 10, rrn: 'R60' })],
      attempts: [
        attempt({ intentId: 'i1', stan: '000060', sentAt: 5, result: 'no-response' }),
        attempt({ intentId: 'i1', attempt: 2, stan: '000060', sentAt: 50, result: 'declined', responseCode: '94' }),
      ],
      switchReversals: [],
      receipts: [],
    });
    assert.equal(r.duplicateCharges.reachedMoreThanOnce, 1);
    assert.equal(r.duplicateCharges.prevented, 1);
    assert.equal(r.duplicateCharges.leaked, 0);
  });

  it('an attempt the issuer never booked but the switch reversed on its own counts as reaching the switch', () => {
    const r = reconcile({
      ledger: [entry({ type: 'debit', stan: '000053', at: 60, rrn: 'R53' })],
      attempts: [
        attempt({ intentId: 'i1', stan: '000052', sentAt: 5, result: 'declined', responseCode: '98' }),
        attempt({ intentId: 'i1', attempt: 2, stan: '000053', sentAt: 55, result: 'approved', responseCode: '00', rrn: 'R53' }),
      ],
      switchReversals: [reversal({ initiator: 'switch', stan: '000052', status: 'acknowledged', ackCode: '25', initiatedAt: 20 })],
      receipts: [receipt({ stan: '000053', rrn: 'R53', printed: 'printed', intentId: 'i1' })],
    });
    assert.equal(r.duplicateCharges.reachedMoreThanOnce, 1);
    assert.equal(r.duplicateCharges.prevented, 1);
  });

  it('a switch reversal whose RRN names no debit does not take a debit booked under another RRN: that is another request', () => {
    // Two terminals sharing one id, same card and amount: A's sale is debited under R1; B's request (the switch gave
    // it SW60) never reached the issuer, and the switch's reversal of it is answered 25. A's debit rightly stands.
    const r = reconcile({
      ledger: [entry({ type: 'debit', stan: '000060', at: 10, rrn: 'R1', transmissionDateTime: '1121130001' })],
      attempts: [
        attempt({ intentId: 'iA', stan: '000060', sentAt: 5, result: 'approved', responseCode: '00', rrn: 'R1' }),
        attempt({ intentId: 'iB', terminalIndex: 1, stan: '000060', sentAt: 8, result: 'declined', responseCode: '98' }),
      ],
      switchReversals: [reversal({ initiator: 'switch', stan: '000060', rrn: 'SW60', status: 'acknowledged', ackCode: '25', initiatedAt: 20, transmissionDateTime: '1121139999' })],
      receipts: [receipt({ stan: '000060', rrn: 'R1', printed: 'printed', intentId: 'iA' })],
    });
    assert.equal(r.reversals.byInitiator.switch.initiated, 1);
    assert.equal(r.reversals.byInitiator.switch.completed, 1, 'its own request was never posted');
    assert.equal(r.reversals.notCompleted.length, 0);
  });

  it('a switch reversal whose RRN names no debit takes the latest same-key debit booked without an RRN before it', () => {
    const r = reconcile({
      ledger: [
        entry({ type: 'debit', stan: '000061', at: 3, rrn: '' }),
        entry({ type: 'debit', stan: '000061', at: 10, rrn: '' }),
      ],
      attempts: [attempt({ intentId: 'i1', stan: '000061', sentAt: 5, result: 'declined', responseCode: '98' })],
      switchReversals: [reversal({ initiator: 'switch', stan: '000061', rrn: 'SW61', status: 'acknowledged', ackCode: '25', initiatedAt: 20 })],
      receipts: [],
    });
    assert.equal(r.reversals.byInitiator.switch.completed, 0, 'the unnamed debit it had to cancel still stands');
    assert.deepEqual(r.reversals.notCompleted[0].ledgerSeqs, [2]);
  });

  it('a terminal reversal does not take a same-key debit that another attempt holds by its RRN', () => {
    // A clone (same id, same card and amount) was answered for the debit (it holds R2); the first attempt's own
    // request never reached the issuer and its reversal was answered 25.
    const r = reconcile({
      ledger: [entry({ type: 'debit', stan: '000062', at: 20, rrn: 'R2' })],
      attempts: [
        attempt({ intentId: 'i1', stan: '000062', sentAt: 5, finishedAt: 15, result: 'no-response', reversal: reversal({ stan: '000062', status: 'acknowledged', ackCode: '25', initiatedAt: 16, acknowledgedAt: 30 }) }),
        attempt({ intentId: 'i2', terminalIndex: 1, stan: '000062', sentAt: 18, result: 'approved', responseCode: '00', rrn: 'R2' }),
      ],
      switchReversals: [],
      receipts: [receipt({ stan: '000062', rrn: 'R2', printed: 'printed', intentId: 'i2' })],
    });
    assert.equal(r.reversals.byInitiator.terminal.completed, 1);
    assert.equal(r.reversals.notCompleted.length, 0);
  });

  it('a switch reversal without RRN finds its debit by field 7 among same-key debits', () => {
    const r = reconcile({
      ledger: [
        entry({ type: 'debit', stan: '000061', at: 10, rrn: 'A', transmissionDateTime: '1121130001' }),
        entry({ type: 'reversal', stan: '000061', at: 12, originalSeq: 1 }),
        entry({ type: 'debit', stan: '000061', at: 30, rrn: 'B', transmissionDateTime: '1121130002' }),
      ],
      attempts: [],
      switchReversals: [
        // Field 7 names the first (reversed) debit although the second, later one is the latest before it.
        reversal({ initiator: 'switch', stan: '000061', status: 'acknowledged', ackCode: '00', initiatedAt: 40, transmissionDateTime: '1121130001' }),
        reversal({ initiator: 'switch', stan: '000061', status: 'acknowledged', ackCode: '00', initiatedAt: 40, transmissionDateTime: '1121130002' }),
      ],
      receipts: [],
    });
    assert.equal(r.reversals.byInitiator.switch.completed, 1);
    assert.deepEqual(r.reversals.notCompleted.map((f) => f.ledgerSeqs), [[3]]);
  });

  it('a terminal reversal is not completed when a same-key debit posted between its attempt and its acknowledgement stands, even if joined elsewhere', () => {
    // A cloned terminal (same id) sent the same STAN, card and amount just after: the join gives the debit to the
    // clone's later attempt, but it is the one the first attempt's reversal had to cancel.
    const rev = reversal({ stan: '000070', status: 'acknowledged', ackCode: '25', initiatedAt: 40, acknowledgedAt: 45 });
    const r = reconcile({
      ledger: [entry({ type: 'debit', stan: '000070', at: 30 })],
      attempts: [
        attempt({ intentId: 'i1', stan: '000070', sentAt: 5, result: 'no-response', reversal: rev }),
        attempt({ intentId: 'i2', terminalIndex: 1, stan: '000070', sentAt: 20, result: 'no-response' }),
      ],
      switchReversals: [],
      receipts: [],
    });
    assert.equal(r.reversals.initiated, 1);
    assert.equal(r.reversals.completed, 0);
    assert.deepEqual(r.reversals.notCompleted[0].ledgerSeqs, [1]);
  });
});
