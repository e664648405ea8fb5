import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { readJournal } from '../../harness/issuer';
import { JournalError, JournalWriter, recoverJournal } from '../../harness/issuer/journal';
import type { IssuerLedgerEntry } from '../../harness/issuer/types';
import { collect, tempJournal } from './helpers';

function entry(seq: number): IssuerLedgerEntry {
  return {
    seq, at: 1_700_000_000_000 + seq, type: 'debit', mti: '0200', terminalId: 'T0000001', merchantId: 'M00000000000001',
    stan: String(seq % 1_000_000).padStart(6, '0'), transmissionDateTime: '1121100000', rrn: '', amount: seq,
    cardRef: 'abcdef0123456789', panMasked: '622202******1234', responseCode: '00', authCode: '000001',
  };
}

async function writeEntries(file: string, n: number): Promise<void> {
  const w = new JournalWriter(file, recoverJournal(file, () => undefined));
  await Promise.all(Array.from({ length: n }, (_, i) => w.append(entry(i + 1))));
  await w.close();
}

describe('issuer: journal', () => {
  let j: ReturnType<typeof tempJournal>;
  beforeEach(() => {
    j = tempJournal();
  });
  afterEach(() => j.cleanup());

  it('resolves an append only once the entry is on disk, batching concurrent appends into few fsyncs', async () => {
    const w = new JournalWriter(j.file, recoverJournal(j.file, () => undefined));
    const syncs: number[] = [];
    w.onSync = (_s, n) => syncs.push(n);
    await Promise.all(Array.from({ length: 500 }, (_, i) => w.append(entry(i + 1)).then(() => {
      assert.ok(w.committedSeq >= i + 1, 'committed before resolving');
    })));
    assert.equal(syncs.reduce((a, b) => a + b, 0), 500);
    assert.ok(syncs.length < 500, `${syncs.length} fsyncs for 500 entries`);
    await w.close();
    const lines = fs.readFileSync(j.file, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 500);
    assert.deepEqual(JSON.parse(lines[499]), entry(500));
  });

  it('recovers every complete line after a torn last line, cuts the torn bytes off and appends after them', async () => {
    await writeEntries(j.file, 10);
    fs.appendFileSync(j.file, '{"seq":11,"at":17000');
    const seen: number[] = [];
    const r = recoverJournal(j.file, (e) => seen.push(e.seq));
    assert.equal(r.lastSeq, 10);
    assert.ok(r.tornBytes > 0);
    assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const w = new JournalWriter(j.file, r);
    await w.append(entry(11));
    await w.close();
    assert.deepEqual((await collect(readJournal(j.file))).map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  });

  it('refuses to start on damage in the middle (not a crash trace)', async () => {
    await writeEntries(j.file, 5);
    const text = fs.readFileSync(j.file, 'utf8').split('\n');
    text[2] = '{"seq": 3, garbage';
    fs.writeFileSync(j.file, text.join('\n'));
    assert.throws(() => recoverJournal(j.file, () => undefined), (e: unknown) => e instanceof JournalError && /line 3 is damaged/.test(e.message));
  });

  it('refuses a journal whose seqs skip', async () => {
    await writeEntries(j.file, 3);
    fs.appendFileSync(j.file, JSON.stringify(entry(5)) + '\n' + JSON.stringify(entry(6)) + '\n');
    assert.throws(() => recoverJournal(j.file, () => undefined), /line 4 is damaged \(seq 5 after 3\)/);
  });

  it('property: cut anywhere, recovery keeps exactly the complete lines before the cut', async () => {
    await writeEntries(j.file, 40);
    const full = fs.readFileSync(j.file);
    const cut = path.join(j.dir, 'cut.jsonl');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: full.length }), (at) => {
        fs.writeFileSync(cut, full.subarray(0, at));
        const seen: number[] = [];
        const r = recoverJournal(cut, (e) => seen.push(e.seq));
        const complete = full.subarray(0, at).toString('utf8').split('\n').length - 1;
        assert.equal(seen.length, complete);
        assert.equal(r.lastSeq, complete);
        assert.equal(fs.statSync(cut).size, r.validBytes);
      }),
      { numRuns: 60 },
    );
  });

  it('readJournal takes a directory, starts at fromSeq past a checkpoint, and says clearly when there is none', async () => {
    await writeEntries(j.file, 2_100);
    const tail = await collect(readJournal(j.dir, 2_050));
    assert.deepEqual(tail.map((e) => e.seq), Array.from({ length: 51 }, (_, i) => 2_050 + i));
    assert.throws(() => readJournal(path.join(j.dir, 'none.jsonl')), /does not exist/);
    const w = new JournalWriter(j.file, recoverJournal(j.file, () => undefined));
    assert.equal(w.offsetFor(2_050), w.checkpoints[2]);
    await w.close();
  });
});
