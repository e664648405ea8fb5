// Switch throughput: sales per second through switch + issuer (MAC verification and every safeguard on; 50 long
// connections, pipelined), with p50/p99 latency, against a baseline measured in the same run: the same issuer
// driven directly with the same load. Issuer and switch run as their own processes (the CLI), the driver here.
// Bounded: 2 x ROUNDS x PHASE_MS measured plus warm-up and start-up, about 25 s (a watchdog stops it at 55 s).
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateAccounts } from '../harness/issuer';
import { getDialect, MessageCodec, type Frame, type IsoMessage } from '../harness/iso8583';
import { FrameChannel } from '../harness/net/channel';
import { computeMac, decodeSignOnKeys, deriveTerminalMasterKey } from '../harness/security';
import { defaultMerchantId } from '../harness/switch';

const CONNECTIONS = 50;
const WINDOW = 4; // requests in flight per connection
// Baseline and switch phases alternate, so that a change in the shared machine's load hits both alike.
const ROUNDS = 4;
const PHASE_MS = 2_000;
const WARMUP_MS = 1_000;
const SETTLE_MS = 200;
const MAX_SALES = 500_000;
const CLI = path.join(__dirname, '..', 'harness', 'cli', 'main.js');
const TMK_SEED = 'bench-switch';
const ACCOUNT_SEED = 'bench-switch-cards';

function startProcess(args: string[], ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  return new Promise((resolve, reject) => {
    // POSFAULT_BENCH_SWITCH_NODE_ARGS (e.g. "--cpu-prof") is passed to the switch process only, for profiling.
    const nodeArgs = args[0] === 'switch' ? (process.env.POSFAULT_BENCH_SWITCH_NODE_ARGS ?? '').split(' ').filter(Boolean) : [];
    const child = spawn(process.execPath, [...nodeArgs, CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    const onData = (d: Buffer) => {
      text += d.toString();
      const m = ready.exec(text);
      if (m) resolve({ child, match: m });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${args[0]} exited ${String(code)}: ${text}`)));
  });
}

function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

interface Load {
  /** The next request on connection `c`: its frame and the key its response will carry. */
  next(c: number): { key: string; frame: Frame };
  keyOf(frame: Frame): { key: string; approved: boolean };
}

interface Figures { sales: number; perSecond: number; p50: number; p99: number; declined: number }

/** Keeps WINDOW requests in flight on each channel while a phase runs; measures what completes inside it. */
class Driver {
  private readonly sentAt: Map<string, number>[];
  private readonly latencies = new Float64Array(MAX_SALES);
  private count = 0;
  private declined = 0;
  private measuredMs = 0;
  private measureFrom = 0;
  private stopAt = 0;
  private onIdle: (() => void) | undefined;

  constructor(private readonly channels: FrameChannel[], private readonly load: Load) {
    this.sentAt = channels.map(() => new Map<string, number>());
    channels.forEach((ch, c) => ch.on('frame', (frame: Frame) => this.onFrame(c, frame)));
  }

  /** One phase: warmUpMs unmeasured, then phaseMs measured; resolves when every request of it is answered. */
  run(warmUpMs: number, phaseMs: number): Promise<void> {
    const start = performance.now();
    this.measureFrom = start + warmUpMs;
    this.stopAt = this.measureFrom + phaseMs;
    this.measuredMs += phaseMs;
    return new Promise<void>((resolve) => {
      this.onIdle = resolve;
      for (let c = 0; c < this.channels.length; c++) for (let i = 0; i < WINDOW; i++) this.send(c);
    });
  }

  figures(): Figures {
    const sorted = this.latencies.subarray(0, this.count).sort();
    return {
      sales: this.count,
      perSecond: this.count / (this.measuredMs / 1000),
      p50: sorted[Math.floor(this.count * 0.5)] ?? NaN,
      p99: sorted[Math.floor(this.count * 0.99)] ?? NaN,
      declined: this.declined,
    };
  }

  private send(c: number): void {
    const now = performance.now();
    if (now >= this.stopAt || this.count >= MAX_SALES) {
      if (this.onIdle !== undefined && this.sentAt.every((m) => m.size === 0)) {
        const idle = this.onIdle;
        this.onIdle = undefined;
        idle();
      }
      return;
    }
    const { key, frame } = this.load.next(c);
    this.sentAt[c].set(key, now);
    this.channels[c].send(frame);
  }

  private onFrame(c: number, frame: Frame): void {
    const now = performance.now();
    const { key, approved } = this.load.keyOf(frame);
    const at = this.sentAt[c].get(key);
    if (at === undefined) return;
    this.sentAt[c].delete(key);
    if (at >= this.measureFrom && now <= this.stopAt && this.count < MAX_SALES) {
      this.latencies[this.count++] = now - at;
      if (!approved) this.declined++;
    }
    this.send(c);
  }
}

function f7(): string {
  return new Date().toISOString().replace(/[-T:]/g, '').slice(4, 14);
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-switch-'));
  const children: ChildProcess[] = [];
  const watchdog = setTimeout(() => {
    process.stderr.write('bench/switch: over 55 s, giving up\n');
    for (const c of children) c.kill('SIGKILL');
    process.exit(1);
  }, 55_000);
  try {
    const cards = generateAccounts(ACCOUNT_SEED, 2000).filter((a) => a.pin === undefined);
    const issuer = await startProcess(['issuer', '--journal', path.join(dir, 'issuer'), '--seed', ACCOUNT_SEED, '--count', '2000', '--no-duplicate-check'], /issuer listening on [\d.]+:(\d+)/);
    children.push(issuer.child);
    const issuerPort = Number(issuer.match[1]);

    // Baseline: the issuer alone, iso87-ascii, the same connections and window.
    const isoDialect = getDialect('iso87-ascii');
    const iso = new MessageCodec(isoDialect);
    const direct = await Promise.all(Array.from({ length: CONNECTIONS }, () => connect(issuerPort)));
    const directChannels = direct.map((s) => new FrameChannel(s, isoDialect.framing));
    const directStan = new Array<number>(CONNECTIONS).fill(0);
    let rrn = 0;
    const baseline = new Driver(directChannels, {
      next(c) {
        directStan[c] = (directStan[c] % 999_999) + 1;
        const tid = String(20000001 + c);
        const card = cards[(c * 7 + directStan[c]) % cards.length];
        const stan = String(directStan[c]).padStart(6, '0');
        const r = String(++rrn).padStart(12, '0');
        const msg: IsoMessage = { mti: '0200', fields: { 2: card.pan, 3: '000000', 4: '000000000100', 7: f7(), 11: stan, 14: card.expiry, 22: '022', 25: '00', 32: '01020000', 37: r, 41: tid, 42: defaultMerchantId(tid), 49: '156' } };
        return { key: `${stan}|${tid}|${r}`, frame: { body: iso.pack(msg) } };
      },
      keyOf(frame) {
        const m = iso.unpack(frame.body);
        return { key: `${String(m.fields[11])}|${String(m.fields[41])}|${String(m.fields[37])}`, approved: m.fields[39] === '00' };
      },
    });

    // Through the switch: 50 terminals sign on, then the same load with MACs.
    const sw = await startProcess(['switch', '--port', '0', '--issuer', `127.0.0.1:${issuerPort}`, '--seed', TMK_SEED, '--terminals', `10000001:${CONNECTIONS}`,
      '--saf', path.join(dir, 'saf.jsonl'), '--issuer-timeout-ms', '10000'], /listening on [\d.]+:(\d+)/);
    children.push(sw.child);
    const cupDialect = getDialect('cup-pos');
    const cup = new MessageCodec(cupDialect);
    const tpdu = Buffer.from('6000030000', 'hex');
    const header = Buffer.from('603100000000', 'hex');
    const lines = await Promise.all(Array.from({ length: CONNECTIONS }, () => connect(Number(sw.match[1]))));
    const channels = lines.map((s) => new FrameChannel(s, cupDialect.framing));
    const terminals = await Promise.all(channels.map((ch, c) => new Promise<{ tid: string; mid: string; mak: Buffer; batch: string }>((resolve, reject) => {
      const tid = String(10000001 + c);
      const mid = defaultMerchantId(tid);
      ch.once('frame', (frame: Frame) => {
        const m = cup.unpack(frame.body);
        if (m.fields[39] !== '00') return reject(new Error(`sign-on of ${tid} answered ${String(m.fields[39])}`));
        const keys = decodeSignOnKeys(deriveTerminalMasterKey(TMK_SEED, tid), m.fields[62] as Buffer, '003');
        resolve({ tid, mid, mak: keys.mak.subarray(0, 8), batch: String(m.fields[60]).slice(2, 8) });
      });
      ch.send({ tpdu, header, body: cup.pack({ mti: '0800', fields: { 11: '000001', 41: tid, 42: mid, 60: '00000001003', 63: '001' } }) });
    })));
    const stans = new Array<number>(CONNECTIONS).fill(1);
    const switched = new Driver(channels, {
      next(c) {
        const t = terminals[c];
        stans[c] = (stans[c] % 999_999) + 1;
        const stan = String(stans[c]).padStart(6, '0');
        const card = cards[(c * 7 + stans[c]) % cards.length];
        const msg: IsoMessage = { mti: '0200', fields: { 2: card.pan, 3: '000000', 4: '000000000100', 11: stan, 14: card.expiry, 22: '022', 25: '00', 41: t.tid, 42: t.mid, 49: '156', 60: '22' + t.batch + '000' } };
        return { key: `${stan}|${t.tid}`, frame: { tpdu, header, body: cup.packWithMac(msg, (mab) => computeMac('cup-ecb', t.mak, mab)) } };
      },
      keyOf(frame) {
        const m = cup.unpack(frame.body);
        return { key: `${String(m.fields[11])}|${String(m.fields[41])}`, approved: m.fields[39] === '00' };
      },
    });
    for (let round = 0; round < ROUNDS; round++) {
      await baseline.run(round === 0 ? WARMUP_MS : SETTLE_MS, PHASE_MS);
      await switched.run(round === 0 ? WARMUP_MS : SETTLE_MS, PHASE_MS);
    }
    for (const s of [...direct, ...lines]) s.destroy();
    const b = baseline.figures();
    const w = switched.figures();

    const ms = (x: number) => x.toFixed(2);
    process.stdout.write(`load: ${CONNECTIONS} long connections x ${WINDOW} in flight; ${ROUNDS} alternating rounds of ${PHASE_MS / 1000} s per side (${(ROUNDS * PHASE_MS) / 1000} s measured each)\n`);
    process.stdout.write(`baseline (issuer alone):  ${b.perSecond.toFixed(0)} sales/s  p50 ${ms(b.p50)} ms  p99 ${ms(b.p99)} ms  (${b.sales} sales, ${b.declined} declined)\n`);
    process.stdout.write(`switch + issuer (MAC on): ${w.perSecond.toFixed(0)} sales/s  p50 ${ms(w.p50)} ms  p99 ${ms(w.p99)} ms  (${w.sales} sales, ${w.declined} declined)\n`);
    process.stdout.write(`ratio switch/baseline: throughput ${(w.perSecond / b.perSecond).toFixed(2)}x, p50 latency ${(w.p50 / b.p50).toFixed(2)}x, p99 latency ${(w.p99 / b.p99).toFixed(2)}x\n`);
  } finally {
    clearTimeout(watchdog);
    await Promise.all(children.map((c) => new Promise<void>((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve();
      c.once('exit', () => resolve());
      c.kill('SIGTERM');
    })));
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench/switch: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
