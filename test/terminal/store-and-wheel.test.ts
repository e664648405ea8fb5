import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FleetStore, readStore, StoreError } from '../../harness/terminal/store';
import { TimerWheel } from '../../harness/terminal/timer-wheel';

describe('terminal store (append-only, group commit, compacted on load)', () => {
  let dir: string;
  const id = { firstId: 30000001, count: 4 };

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-store-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('folds records per terminal, and rewrites the log as one snapshot line per terminal', async () => {
    const file = path.join(dir, 's');
    const { store } = FleetStore.open(file, id);
    await Promise.all([
      store.append({ k: 'stan', i: 0, s: 5 }),
      store.append({ k: 'keys', i: 0, keys: 'ab', batch: 7 }),
      store.append({ k: 'stan', i: 2, s: 9 }),
      store.append({ k: 'batch', i: 0, batch: 8 }),
    ]);
    await store.close();
    const again = FleetStore.open(file, id);
    await again.store.close();
    assert.deepEqual(again.states.get(0), { stan: 5, batch: 8, keys: 'ab' });
    assert.deepEqual(again.states.get(2), { stan: 9, batch: 1 });
    const lines = fs.readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines.length, 3, 'the fleet line and two snapshots');
    assert.deepEqual(JSON.parse(lines[0]), { k: 'fleet', firstId: 30000001, count: 4 });
  });

  it('drops a torn last line (a crash in the middle of a write) and keeps everything before it', async () => {
    const file = path.join(dir, 's');
    fs.writeFileSync(file, '{"k":"stan","i":1,"s":3}\n{"k":"stan","i":1,"s":4}\n{"k":"st');
    const states = readStore(file, id);
    assert.equal(states.get(1)?.stan, 4);
  });

  it('refuses a corrupt line in the middle, a store of another fleet, and a terminal outside the fleet', () => {
    const file = path.join(dir, 's');
    fs.writeFileSync(file, '{"k":"stan","i":1,"s":3}\nnot json\n{"k":"stan","i":1,"s":4}\n');
    assert.throws(() => readStore(file, id), (e: Error) => e instanceof StoreError && /line 2 is not valid JSON/.test(e.message));
    fs.writeFileSync(file, '{"k":"fleet","firstId":1,"count":4}\n');
    assert.throws(() => FleetStore.open(file, id), /belongs to terminals 1\+4/);
    fs.writeFileSync(file, '{"k":"stan","i":9,"s":3}\n');
    assert.throws(() => readStore(file, id), /terminal index 9 outside the fleet/);
    assert.equal(fs.readFileSync(file, 'utf8'), '{"k":"stan","i":9,"s":3}\n', 'a refused store is left as it was');
    assert.throws(() => FleetStore.open(path.join(dir, 'missing', 's'), id), /folder does not exist/);
  });

  it('resolves every queued record, and refuses appends once closed', async () => {
    const { store } = FleetStore.open(path.join(dir, 's'), id);
    const before = store.writtenBytes;
    await Promise.all(Array.from({ length: 100 }, (_, n) => store.append({ k: 'stan', i: n % 4, s: n })));
    assert.ok(store.writtenBytes > before);
    await store.close();
    await assert.rejects(store.append({ k: 'stan', i: 0, s: 1 }), /closed/);
  });
});

describe('timer wheel', () => {
  it('fires after the delay (never early), cancels, and holds no interval while nothing is armed', async () => {
    const wheel = new TimerWheel(5);
    const fired: number[] = [];
    const t0 = Date.now();
    wheel.after(30, () => fired.push(Date.now() - t0));
    const cancelled = wheel.after(10, () => fired.push(-1));
    wheel.cancel(cancelled);
    assert.equal(wheel.pending, 1);
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(fired.length, 1);
    assert.ok(fired[0] >= 30, `fired at ${fired[0]} ms`);
    assert.equal(wheel.pending, 0);
    assert.equal((wheel as unknown as { interval: unknown }).interval, null);
  });

  it('handles delays longer than one turn of the wheel', async () => {
    const wheel = new TimerWheel(1, 8);
    let at = 0;
    const t0 = Date.now();
    await new Promise<void>((resolve) => wheel.after(40, () => {
      at = Date.now() - t0;
      resolve();
    }));
    assert.ok(at >= 40);
    wheel.stop();
  });
});
