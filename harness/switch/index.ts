// The reference switch (acquirer host): terminals on one side (cup-pos), the issuer on the other (iso87-ascii).
import type { Registry } from 'prom-client';
import { getDialect, MessageCodec } from '../iso8583';
import { createLogger } from '../log';
import type { ReversalRecord } from '../reconcile/records';
import { generateKey, Prng } from '../security';
import { DEFAULT_ISSUER_ZPK } from '../issuer';
import { assemblePipeline } from './assemble';
import { dialectCodes } from './codes';
import { DuplicateWindow, duplicateWindowPath } from './duplicate-window';
import { resolveConfig, SAFEGUARD_NAMES, type SafeguardName, type SwitchConfig } from './config';
import type { SwitchServices } from './exchange';
import { IssuerMux } from './issuer-mux';
import { macInputFor } from './mac-input';
import { createSwitchMetrics } from './metrics';
import { RrnGenerator } from './rrn';
import { SafForwarder } from './saf-forwarder';
import { SafStore } from './saf-store';
import { salvager } from './salvage';
import { TerminalListener } from './terminal-listener';
import type { TerminalSession } from './terminal-session';

export type { SwitchConfig, SafeguardName } from './config';
export { defaultMerchantId, terminalRange, type TerminalDirectory, type TerminalEntry, type TerminalRangeOptions } from './terminal-directory';

export interface SwitchHandle {
  host: string;
  port: number;
  /** Every switch-initiated reversal in the SAF queue file, with status pending / acknowledged / failed. */
  safRecords(): ReversalRecord[];
  /** "A switch that changed keys": a new MAK for the terminal without telling it (the mac-desync scenario). */
  rotateKeys(terminalId: string): void;
  setSafeguard(name: SafeguardName, on: boolean): void;
  /** The metrics registry (the one given in the config, or the switch's own). */
  readonly registry: Registry;
  close(): Promise<void>;
}

export async function startSwitch(config: SwitchConfig): Promise<SwitchHandle> {
  const cfg = resolveConfig(config);
  const log = createLogger('switch');
  const terminalDialect = getDialect(cfg.dialect);
  const issuerDialect = getDialect(cfg.issuer.dialect);
  const prng = new Prng(cfg.seed);
  const keyPrng = prng.fork('working-keys');
  const metrics = createSwitchMetrics(cfg.registry);
  const issuerCodec = new MessageCodec(issuerDialect);
  const store = new SafStore(cfg.safPath, log);
  const duplicates = new DuplicateWindow(duplicateWindowPath(cfg.safPath), log);
  const issuer = new IssuerMux({
    host: cfg.issuer.host, port: cfg.issuer.port, connections: cfg.issuer.connections,
    codec: issuerCodec, framing: issuerDialect.framing, metrics, log,
  });
  const saf = new SafForwarder(store, issuer, {
    initialBackoffMs: cfg.saf.initialBackoffMs, maxBackoffMs: cfg.saf.maxBackoffMs, maxTries: cfg.saf.maxTries,
    ackTimeoutMs: cfg.saf.ackTimeoutMs, acquirerId: cfg.acquirerId,
  }, metrics, log);
  const sessions = new Map<string, TerminalSession>();
  const terminalCodec = new MessageCodec(terminalDialect);
  const services: SwitchServices = {
    config: cfg,
    terminalCodec,
    terminalMacInput: macInputFor(terminalDialect, terminalCodec),
    issuerCodec,
    mac: terminalDialect.mac,
    codes: dialectCodes(terminalDialect.responseCodes),
    sessions,
    issuer,
    saf,
    duplicates,
    metrics,
    rrn: new RrnGenerator(prng.fork('rrn'), new Date(), store),
    zpk: cfg.zpk ?? DEFAULT_ISSUER_ZPK,
    keyRandom: (n) => keyPrng.bytes(n),
    log,
  };
  let pipeline = assemblePipeline(cfg.safeguards);
  const inFlight = new Set<Promise<void>>();
  let listener: TerminalListener;
  try {
    listener = await TerminalListener.listen(services, cfg.host, cfg.port, cfg.maxLines, {
      services,
      framing: terminalDialect.framing,
      salvage: salvager(terminalDialect),
      pipeline: () => pipeline,
      idleTimeoutMs: cfg.idleTimeoutMs,
      partialFrameTimeoutMs: cfg.partialFrameTimeoutMs,
      inFlight,
    });
  } catch (err) {
    store.close();
    await duplicates.close();
    throw err;
  }
  saf.start();
  const address = listener.address();
  log.info('switch listening', { host: address.address, port: address.port, safeguards: cfg.safeguards });

  let closing: Promise<void> | undefined;
  return {
    host: address.address,
    port: address.port,
    registry: metrics.registry,
    safRecords: () => saf.records(),
    rotateKeys(terminalId: string): void {
      const session = sessions.get(terminalId);
      if (session === undefined) throw new RangeError(`terminal ${String(terminalId)} is not signed on`);
      session.mak = generateKey(session.mak.length === 8 ? 8 : 16, services.keyRandom);
      log.info('working MAK changed without telling the terminal', { terminal: terminalId });
    },
    setSafeguard(name: SafeguardName, on: boolean): void {
      if (!SAFEGUARD_NAMES.includes(name)) throw new RangeError(`unknown safeguard "${String(name)}"`);
      if (typeof on !== 'boolean') throw new TypeError('setSafeguard needs true or false');
      cfg.safeguards[name] = on;
      pipeline = assemblePipeline(cfg.safeguards);
      log.info('safeguard switched', { safeguard: name, on });
    },
    close(): Promise<void> {
      closing ??= (async () => {
        const stopSaf = saf.close();
        await listener.close();
        await issuer.close(); // what was sent and unanswered ends as a lost link: queued for SAF below
        await Promise.all([...inFlight]);
        await stopSaf;
        store.close();
        await duplicates.close();
      })();
      return closing;
    },
  };
}
