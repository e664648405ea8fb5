// The virtual terminal fleet: sales a second with 10,000 terminals on long connections and with 1,000 dial-up
// terminals, each against the built-in switch and issuer, with a baseline measured in the same run: the same
// sales from a bare loop of pack + send + await through one connection (no terminal logic, no store, no
// receipts). Also the heap per idle terminal with 50,000 terminals in this process, created, signed on, and after
// one sale each (measured on SOLD_TERMINALS of them). The switch and issuer run
// in a child process (`--host`), so that each side stays within the descriptor limit and the heap figure is
// the fleet's alone. Bounded: LOAD_SECONDS of load per figure, every phase capped in count.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { getDialect, MessageCodec, type IsoMessage } from '../harness/iso8583';
import { DEFAULT_ISSUER_ZPK, generateAccounts, startIssuer } from '../harness/issuer';
import type { AccountSpec } from '../harness/issuer/types';
import { FrameChannel } from '../harness/net/channel';
import type { Frame } from '../harness/net/framing';
import { clearCipherCache, computeMac, decodeSignOnKeys, deriveTerminalMasterKey, encodePinBlock } from '../harness/security';
import { startSwitch, terminalRange } from '../harness/switch';
import { createFleet, type Fleet, type FleetConfig } from '../harness/terminal';

const SEED = 'bench-fleet';
const FIRST_ID = 50000001;
const LOAD_SECONDS = 5;
const BASELINE_SECONDS = 3;
const MAX_SALES = 2_000_000;
/** Terminals of the heap phase that make one sale each: what one sale adds to an idle terminal's state. */
const SOLD_TERMINALS = 10_000;
const CARRIER_MS = 10;
const DIALECT = getDialect('cup-pos');
const CODEC = new MessageCodec(DIALECT);
const TPDU = Buffer.from(DIALECT.tpdu!, 'hex');
const HEADER = Buffer.from(DIALECT.header!, 'hex');
const merchantOf = (tid: string): string => '898100054110' + tid.slice(-3);
const accounts = (): AccountSpec[] => generateAccounts(SEED, 2000, { balanceMin: 1_000_000_000, balanceMax: 2_000_000_000 });

// ---- the host: switch + issuer in a child process ----

async function runHost(count: number, dir: string): Promise<void> {
  const issuer = await startIssuer({ journalPath: path.join(dir, 'issuer.jsonl'), accounts: accounts(), seed: 'bench' });
  const sw = await startSwitch({
    issuer: { host: issuer.host, port: issuer.port, timeoutMs: 20_000, connections: 4 },
    terminals: terminalRange({ seed: SEED, firstId: FIRST_ID, count, merchantId: merchantOf }),
    safPath: path.join(dir, 'saf.jsonl'),
    zpk: DEFAULT_ISSUER_ZPK,
    idleTimeoutMs: 0,
    seed: 1,
  });
  process.stdout.write(JSON.stringify({ port: sw.port }) + '\n');
  process.stdin.resume();
  process.stdin.on('end', () => {
    void (async () => {
      await sw.close();
      await issuer.close();
      process.exit(0);
    })();
  });
}

interface Host {
  port: number;
  dir: string;
  stop(): Promise<void>;
}

async function startHost(count: number): Promise<Host> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-fleet-'));
  const child: ChildProcess = spawn(process.execPath, [__filename, '--host', String(count), dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let text = '';
    child.stdout!.on('data', (d: Buffer) => {
      text += d.toString();
      const nl = text.indexOf('\n');
      if (nl >= 0) resolve((JSON.parse(text.slice(0, nl)) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`bench host exited (${code})`)));
  });
  return {
    port, dir,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.stdin!.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---- load ----

function fleetConfig(port: number, count: number, mode: 'long' | 'dialup', dir: string): FleetConfig {
  return {
    switchAddress: { host: '127.0.0.1', port }, seed: SEED,
    terminals: { firstId: FIRST_ID, count, merchantId: merchantOf }, mode,
    timeouts: { connectMs: 10_000, responseMs: 30_000, carrierMs: mode === 'dialup' ? CARRIER_MS : 0 },
    storePath: path.join(dir, `fleet-${mode}-${count}.store`),
  };
}

/** Closed-loop load: `concurrency` customers, each paying again as soon as the last sale ended. */
async function drive(fleet: Fleet, concurrency: number, seconds: number): Promise<{ perSecond: number; approved: number; other: number }> {
  const cards = accounts();
  const end = Date.now() + seconds * 1000;
  const start = Date.now();
  let n = 0;
  let approved = 0;
  let other = 0;
  const worker = async () => {
    while (Date.now() < end && n < MAX_SALES) {
      const i = n++;
      const c = cards[i % cards.length];
      const o = await fleet.submit({ intentId: `b${i}`, pan: c.pan, expiry: c.expiry, ...(c.pin ? { pin: c.pin } : {}), amount: 100 + (i % 900) });
      if (o.outcome === 'approved-with-receipt') approved++;
      else other++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { perSecond: approved / ((Date.now() - start) / 1000), approved, other };
}

interface BareTerminal {
  tid: string;
  mid: string;
  pik: Buffer;
  mak8: Buffer;
  batch: string;
  stan: number;
}

/** A connection speaking frames, with responses matched by STAN: no terminal logic at all. */
class BareLine {
  private readonly waiting = new Map<string, (m: IsoMessage) => void>();
  private constructor(private readonly channel: FrameChannel, private readonly codec: MessageCodec, private readonly tpdu: Buffer, private readonly header: Buffer) {
    channel.on('frame', (f: Frame) => {
      const m = codec.unpack(f.body);
      const stan = String(m.fields[11]);
      const w = this.waiting.get(stan);
      if (w) {
        this.waiting.delete(stan);
        w(m);
      }
    });
  }

  /** `carrierMs`: wait as a dial-up terminal does before it speaks. */
  static async open(port: number, carrierMs = 0): Promise<BareLine> {
    const dialect = DIALECT;
    const socket = net.connect(port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    if (carrierMs > 0) await new Promise((r) => setTimeout(r, carrierMs));
    return new BareLine(new FrameChannel(socket, dialect.framing), CODEC, TPDU, HEADER);
  }

  send(msg: IsoMessage, body: Buffer): Promise<IsoMessage> {
    return new Promise<IsoMessage>((resolve) => {
      this.waiting.set(String(msg.fields[11]), resolve);
      this.channel.send({ tpdu: this.tpdu, header: this.header, body });
    });
  }

  async signOn(index: number, firstStan: number): Promise<BareTerminal> {
    const tid = String(FIRST_ID + index);
    const mid = merchantOf(tid);
    const msg: IsoMessage = { mti: '0800', fields: { 11: String(firstStan).padStart(6, '0'), 41: tid, 42: mid, 60: '00000001003', 63: '001' } };
    const reply = await this.send(msg, this.codec.pack(msg));
    const keys = decodeSignOnKeys(deriveTerminalMasterKey(SEED, tid), reply.fields[62] as Buffer, '003');
    return { tid, mid, pik: keys.pik, mak8: keys.mak.subarray(0, 8), batch: String(reply.fields[60]).slice(2, 8), stan: firstStan };
  }

  /** pack + send + await of one sale; true when approved. */
  async sale(t: BareTerminal, c: AccountSpec, amount: number): Promise<boolean> {
    t.stan = (t.stan % 999_999) + 1;
    const fields: IsoMessage['fields'] = {
      2: c.pan, 3: '000000', 4: String(amount).padStart(12, '0'), 11: String(t.stan).padStart(6, '0'), 14: c.expiry,
      22: c.pin ? '021' : '022', 25: '00', 41: t.tid, 42: t.mid, 49: '156', 60: '22' + t.batch + '000',
    };
    if (c.pin) Object.assign(fields, { 26: '12', 52: encodePinBlock(c.pin, c.pan, t.pik), 53: '2600000000000000' });
    const msg: IsoMessage = { mti: '0200', fields };
    const r = await this.send(msg, this.codec.packWithMac(msg, (mab) => computeMac('cup-ecb', t.mak8, mab)));
    return r.fields[39] === '00';
  }

  close(): void {
    this.channel.destroy();
  }
}

/** Baseline A (as asked): one terminal identity, one connection, `inFlight` bare loops of pack + send + await. */
async function bareOneConnection(port: number, inFlight: number, seconds: number): Promise<number> {
  const line = await BareLine.open(port);
  const t = await line.signOn(0, 100_000); // STANs well clear of the fleet's
  const cards = accounts();
  const end = Date.now() + seconds * 1000;
  const start = Date.now();
  let n = 0;
  let approved = 0;
  const worker = async () => {
    while (Date.now() < end && n < MAX_SALES) {
      const i = n++;
      if (await line.sale(t, cards[i % cards.length], 100 + (i % 900))) approved++;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  line.close();
  return approved / ((Date.now() - start) / 1000);
}

/** Baseline B: the same number of terminal identities as customers, each a bare loop on its own line (a call per
 *  sale for dial-up): what the switch costs for that many lines, without the terminal logic. */
async function barePerTerminal(port: number, terminals: number, dialPerSale: boolean, seconds: number): Promise<number> {
  const cards = accounts();
  const end = Date.now() + seconds * 1000;
  let start = 0;
  let n = 0;
  let approved = 0;
  const ready: Array<{ line: BareLine | null; t: BareTerminal }> = [];
  for (let k = 0; k < terminals; k += 100) {
    await Promise.all(Array.from({ length: Math.min(100, terminals - k) }, async (_, j) => {
      const line = await BareLine.open(port);
      const t = await line.signOn(k + j, 200_000);
      if (dialPerSale) line.close();
      ready.push({ line: dialPerSale ? null : line, t });
    }));
  }
  start = Date.now();
  const stop = Math.max(end, start + seconds * 1000);
  const worker = async (w: { line: BareLine | null; t: BareTerminal }) => {
    while (Date.now() < stop && n < MAX_SALES) {
      const i = n++;
      const line = w.line ?? (await BareLine.open(port, CARRIER_MS));
      if (await line.sale(w.t, cards[i % cards.length], 100 + (i % 900))) approved++;
      if (w.line === null) line.close();
    }
  };
  await Promise.all(ready.map(worker));
  for (const w of ready) w.line?.close();
  return approved / ((Date.now() - start) / 1000);
}

// ---- heap ----

function gcFunction(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

function heapUsed(gc: () => void): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().heapUsed;
}

/** Memory outside the V8 heap held by ArrayBuffers (the Buffers' bytes: working keys), after a full collection. */
function arrayBuffersUsed(gc: () => void): number {
  for (let i = 0; i < 3; i++) gc();
  return process.memoryUsage().arrayBuffers;
}

async function heapPhase(): Promise<void> {
  const count = 50_000;
  const gc = gcFunction();
  const host = await startHost(count);
  try {
    const cfg = fleetConfig(host.port, count, 'dialup', host.dir);
    cfg.timeouts = { ...cfg.timeouts, carrierMs: 0 };
    clearCipherCache();
    const h0 = heapUsed(gc);
    const ab0 = arrayBuffersUsed(gc);
    const fleet = await createFleet(cfg);
    const h1 = heapUsed(gc);
    const t0 = Date.now();
    const failures = await fleet.signOnAll(400);
    const signOnSeconds = (Date.now() - t0) / 1000;
    const withCache = heapUsed(gc);
    clearCipherCache();
    const h2 = heapUsed(gc);
    const ab2 = arrayBuffersUsed(gc);
    const stats = fleet.stats();
    const perFresh = (h1 - h0) / count;
    const perSignedOn = (h2 - h0) / count;
    console.log(`heap per idle terminal, ${count} in one process: ${perFresh.toFixed(0)} B created, ${perSignedOn.toFixed(0)} B signed on with working keys (aim < 2048 B)`);
    console.log(`  (+${((withCache - h2) / 1e6).toFixed(1)} MB in the security module's shared DES cipher cache, bounded at 4096 keys; ${count - failures.length} sign-ons by dial-up in ${signOnSeconds.toFixed(1)} s)`);
    console.log(`  outside the heap: ${((ab2 - ab0) / count).toFixed(0)} B of ArrayBuffer bytes per signed-on terminal; idle: ${stats.timersArmed} timers armed, ${stats.openLines} lines open`);
    // One sale on each of the first SOLD_TERMINALS terminals; the run's records (attempts, outcomes, receipts: one each
    // per sale, for the reconciler, not terminal state) are dropped before measuring.
    const cards = accounts();
    let next = 0;
    let approved = 0;
    const t1 = Date.now();
    await Promise.all(Array.from({ length: 400 }, async () => {
      while (next < SOLD_TERMINALS) {
        const i = next++;
        const c = cards[i % cards.length];
        const o = await fleet.submit({ intentId: `h${i}`, pan: c.pan, expiry: c.expiry, ...(c.pin ? { pin: c.pin } : {}), amount: 100 + (i % 900), terminalIndex: i });
        if (o.outcome === 'approved-with-receipt') approved++;
      }
    }));
    const saleSeconds = (Date.now() - t1) / 1000;
    fleet.clearRecords();
    clearCipherCache();
    const h3 = heapUsed(gc);
    const perSale = (h3 - h2) / SOLD_TERMINALS;
    console.log(`heap per idle terminal after one sale each: ${(perSignedOn + perSale).toFixed(0)} B (${perSale.toFixed(0)} B added by the sale: journal entry, last receipt as a reference to it; measured on ${SOLD_TERMINALS} of the ${count} terminals, ${approved} approved with receipt in ${saleSeconds.toFixed(1)} s; aim < 2048 B)`);
    await fleet.close();
  } finally {
    await host.stop();
  }
}

async function loadPhase(label: string, count: number, mode: 'long' | 'dialup', concurrency: number): Promise<void> {
  const host = await startHost(count);
  try {
    const fleet = await createFleet(fleetConfig(host.port, count, mode, host.dir));
    if (mode === 'long') {
      const failures = await fleet.signOnAll(500);
      if (failures.length > 0) console.log(`  ${failures.length} sign-ons failed`);
    }
    const r = await drive(fleet, concurrency, LOAD_SECONDS);
    const s = fleet.stats();
    await fleet.close();
    const baseA = await bareOneConnection(host.port, concurrency, BASELINE_SECONDS);
    const baseB = await barePerTerminal(host.port, concurrency, mode === 'dialup', BASELINE_SECONDS);
    console.log(`${label}: ${r.perSecond.toFixed(0)} sales/s approved with receipt (${r.approved} in ${LOAD_SECONDS} s, ${r.other} other, ${concurrency} customers at once, ${s.dials} dials)`);
    console.log(`  baseline A, bare pack+send+await loops through one connection (${concurrency} in flight): ${baseA.toFixed(0)} sales/s; ratio fleet/A ${(r.perSecond / baseA).toFixed(2)}`);
    console.log(`  baseline B, bare loops on ${concurrency} lines of their own${mode === 'dialup' ? ' (a call per sale)' : ''}: ${baseB.toFixed(0)} sales/s; ratio fleet/B ${(r.perSecond / baseB).toFixed(2)}`);
  } finally {
    await host.stop();
  }
}

/** `node dist/bench/fleet.js [heap] [long] [dialup]`: the phases to run, all by default. */
async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const want = (p: string) => only.length === 0 || only.includes(p);
  if (want('heap')) await heapPhase();
  if (want('long')) await loadPhase('long connections, 10,000 terminals', 10_000, 'long', 1000);
  if (want('dialup')) await loadPhase('dial-up, 1,000 terminals', 1000, 'dialup', 1000);
}

if (process.argv[2] === '--host') {
  void runHost(Number(process.argv[3]), process.argv[4]);
} else {
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
