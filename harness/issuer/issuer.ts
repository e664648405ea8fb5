// startIssuer: wires accounts, core, wire server, faults, metrics and the control API into one running issuer.
import * as fs from 'node:fs';
import { MessageCodec, getDialect } from '../iso8583';
import { createLogger } from '../log';
import { Prng } from '../security/prng';
import { resolveAccounts } from './accounts';
import { startControlApi, type ControlApi } from './control-api';
import { IssuerCore } from './core';
import { FaultScheduler } from './fault-schedule';
import { FaultState } from './fault-state';
import { readJournalRange } from './journal';
import { journalFile } from './journal-path';
import { createIssuerMetrics } from './metrics';
import { parseCode, parseFaults, parseLatency, parseMaintenance, parseShare } from './schemas';
import { IssuerServer } from './server';
import type { IssuerConfig, IssuerHandle, IssuerLedgerEntry, LatencySpec, MaintenanceMode, ReadLedgerOptions } from './types';

/** The ZPK of the issuer link unless configured: a fixed, public test key (never use it for anything real). */
export const DEFAULT_ISSUER_ZPK: Buffer = Buffer.from('0123456789ABCDEFFEDCBA9876543210', 'hex');

function validZpk(zpk: Buffer | undefined): Buffer {
  if (zpk === undefined) return Buffer.from(DEFAULT_ISSUER_ZPK);
  if (!Buffer.isBuffer(zpk) || (zpk.length !== 8 && zpk.length !== 16)) throw new RangeError('issuer config: zpk must be an 8- or 16-byte Buffer');
  return zpk;
}

function validPort(port: number | undefined, what: string): number {
  const p = port ?? 0;
  if (!Number.isInteger(p) || p < 0 || p > 65535) throw new RangeError(`issuer config: ${what} must be an integer from 0 to 65535, got ${String(port)}`);
  return p;
}

export async function startIssuer(config: IssuerConfig): Promise<IssuerHandle> {
  if (config === null || typeof config !== 'object') throw new TypeError('startIssuer needs a config object');
  const log = createLogger('issuer');
  const host = config.host ?? '127.0.0.1';
  const port = validPort(config.port, 'port');
  const controlPort = config.controlPort === undefined ? undefined : validPort(config.controlPort, 'controlPort');
  const dialect = getDialect(config.dialect ?? 'iso87-ascii');
  const codec = new MessageCodec(dialect);
  const file = journalFile(config.journalPath);
  const accounts = resolveAccounts(config.accounts);
  const faultSchedule = parseFaults(config.faults ?? []);
  const pinTryLimit = config.pinTryLimit ?? 3;
  if (!Number.isInteger(pinTryLimit) || pinTryLimit < 1) throw new RangeError('issuer config: pinTryLimit must be a positive integer');
  const duplicateResponse = config.duplicateResponse ?? 'original';
  if (duplicateResponse !== 'original' && duplicateResponse !== '94') throw new RangeError("issuer config: duplicateResponse must be 'original' or '94'");
  const prng = new Prng(config.seed ?? 'issuer');
  const metrics = createIssuerMetrics(config.registry);
  const faults = new FaultState(prng);
  const coreOptions = {
    journalFile: file,
    accounts,
    zpk: validZpk(config.zpk),
    pinTryLimit,
    duplicateCheck: config.duplicateCheck ?? true,
    duplicateResponse,
    prng,
    metrics,
  } as const;

  let core: IssuerCore | null = new IssuerCore(coreOptions);
  /** The last core that ran: its journal's committed watermark is what readers may see while down. */
  let lastCore: IssuerCore = core;
  if (core.recovered.tornBytes > 0) log.warn('journal had a torn last line (a crash mid-write); it was cut off', { file, bytes: core.recovered.tornBytes });
  if (core.state.unknownCards > 0) log.warn('journal entries name cards not in the accounts; their money moves were skipped', { count: core.state.unknownCards });
  log.info('journal replayed', { file, entries: core.recovered.lastSeq });

  const server = new IssuerServer({ codec, framing: dialect.framing, log, metrics, faults, core: () => core });
  try {
    await server.listen(host, port);
  } catch (e) {
    await core.journal.close();
    throw e;
  }
  let closed = false;
  let restarting: Promise<void> | null = null;
  const downTimers = new Set<NodeJS.Timeout>();
  const closeWaiters = new Set<() => void>();

  const relisten = async () => {
    for (let attempt = 1; ; attempt++) {
      try {
        await server.listen(host, server.port);
        return;
      } catch (e) {
        if (attempt >= 20 || closed) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };

  const maintenance = (mode: MaintenanceMode | null) => {
    if (mode !== null) parseMaintenance(mode);
    const before = faults.maintenance;
    faults.maintenance = mode;
    log.info('maintenance', { mode });
    if (mode === 'refuse' && before !== 'refuse') {
      server.dropConnections();
      void server.stopListening();
    } else if (mode !== 'refuse' && before === 'refuse' && core && !closed) {
      relisten().catch((e) => log.error('could not listen again after maintenance', { error: e instanceof Error ? e.message : String(e) }));
    }
  };

  const crash = (downMs = 1000): Promise<void> => {
    if (closed) return Promise.reject(new Error('issuer is closed'));
    if (restarting) return restarting;
    const dead = core!;
    core = null;
    log.warn('crash: dropping connections and unjournalled work', { downMs });
    server.dropConnections();
    server.forgetInFlight();
    restarting = (async () => {
      await Promise.all([server.stopListening(), dead.journal.abandon()]);
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          downTimers.delete(t);
          resolve();
        }, downMs);
        downTimers.add(t);
        closeWaiters.add(resolve);
      });
      if (closed) return;
      core = new IssuerCore(coreOptions);
      lastCore = core;
      log.info('restarted after crash', { entries: core.recovered.lastSeq, tornBytes: core.recovered.tornBytes });
      if (faults.maintenance !== 'refuse') await relisten();
    })().finally(() => {
      restarting = null;
    });
    return restarting;
  };

  const scheduler = new FaultScheduler(faultSchedule, {
    maintenance,
    currentMaintenance: () => faults.maintenance,
    setLatency: (d) => {
      faults.latency = d;
    },
    currentLatency: () => faults.latency,
    setDeclineShare: (share, code) => {
      faults.declineShare = share;
      faults.declineCode = code ?? '05';
    },
    currentDeclines: () => ({ share: faults.declineShare, code: faults.declineCode }),
    crash,
    onFaultError: (fault, e) => log.error('scheduled fault failed', { kind: fault.kind, error: e instanceof Error ? e.message : String(e) }),
  });
  scheduler.start();

  const committedBytes = () => lastCore.journal.committedBytes;

  async function* readLedger(fromSeq = 1, options: ReadLedgerOptions = {}): AsyncGenerator<IssuerLedgerEntry> {
    let next = Math.max(1, Math.floor(fromSeq));
    for (;;) {
      const journal = lastCore.journal;
      const end = journal.committedBytes;
      if (journal.committedSeq >= next) {
        for await (const e of readJournalRange(file, journal.offsetFor(next), () => end, next)) {
          yield e;
          next = e.seq + 1;
        }
      }
      if (!options.follow || closed || options.signal?.aborted) return;
      if (lastCore.journal.committedSeq >= next) continue;
      const current = lastCore.journal;
      if (current.isClosed) {
        // Crashed while this reader was not waiting (its 'close' has been and gone), or started while down:
        // wait for the restart and read on from the new journal; without one there is nothing more to come.
        if (!restarting) return;
        await restarting.catch(() => undefined);
        continue;
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          current.off('commit', done);
          current.off('close', done);
          options.signal?.removeEventListener('abort', done);
          closeWaiters.delete(done);
          resolve();
        };
        current.on('commit', done);
        current.on('close', done);
        options.signal?.addEventListener('abort', done);
        closeWaiters.add(done);
      });
      // A crash closes the journal; wait for the restart before reading on.
      if (restarting) await restarting.catch(() => undefined);
    }
  }

  let control: ControlApi | null = null;
  const handle: IssuerHandle = {
    host: server.host,
    port: server.port,
    ledger() {
      const end = committedBytes();
      const out: IssuerLedgerEntry[] = [];
      if (end === 0) return out;
      const fd = fs.openSync(file, 'r');
      try {
        const buf = Buffer.allocUnsafe(end);
        let read = 0;
        while (read < end) {
          const n = fs.readSync(fd, buf, read, end - read, read);
          if (n <= 0) break;
          read += n;
        }
        for (const line of buf.toString('utf8', 0, read).split('\n')) {
          if (line) out.push(JSON.parse(line) as IssuerLedgerEntry);
        }
      } finally {
        fs.closeSync(fd);
      }
      return out;
    },
    readLedger,
    balance: (pan) => (core ?? lastCore).balance(pan),
    maintenance,
    setLatency(dist: LatencySpec | null) {
      faults.latency = dist === null ? null : parseLatency(dist);
      log.info('latency', { latency: faults.latency });
    },
    setDeclineShare(share: number, code?: string) {
      const validShare = parseShare(share);
      const validCode = code === undefined ? '05' : parseCode(code);
      faults.declineShare = validShare;
      faults.declineCode = validCode;
      log.info('declines', { share: faults.declineShare, code: faults.declineCode });
    },
    crash,
    async close() {
      if (closed) return;
      closed = true;
      scheduler.stop();
      for (const t of downTimers) clearTimeout(t);
      downTimers.clear();
      for (const w of [...closeWaiters]) w();
      if (control) await control.close();
      if (restarting) await restarting.catch(() => undefined);
      await server.close();
      if (core) await core.journal.close();
      core = null;
    },
  };
  if (controlPort !== undefined) {
    try {
      control = await startControlApi(handle, { host: '127.0.0.1', port: controlPort, registry: metrics.registry, log });
    } catch (e) {
      await handle.close();
      throw e;
    }
    handle.controlPort = control.port;
  }
  return handle;
}
