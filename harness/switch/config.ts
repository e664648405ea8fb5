// The switch's configuration as callers give it, and the same with every default filled in.
import type { Registry } from 'prom-client';
import type { TerminalDirectory } from './terminal-directory';

export type SafeguardName = 'duplicateDetection' | 'macVerification' | 'storeAndForward' | 'issuerTimeout';
export const SAFEGUARD_NAMES: readonly SafeguardName[] = ['duplicateDetection', 'macVerification', 'storeAndForward', 'issuerTimeout'];

export interface SwitchConfig {
  /** Terminal side: 127.0.0.1 and an ephemeral port by default. */
  host?: string;
  port?: number;
  /** Terminal-side dialect, default 'cup-pos'. */
  dialect?: string;
  issuer: {
    host: string;
    port: number;
    /** Issuer-link dialect, default 'iso87-ascii'. */
    dialect?: string;
    /** Long connections kept to the issuer, default 2. */
    connections?: number;
    /** How long the switch waits for the issuer's answer (the issuer-timeout safeguard), and for a SAF ack. */
    timeoutMs: number;
  };
  terminals: TerminalDirectory;
  /**
   * Concurrent terminal connections. A caller past the limit is accepted and closed at once, before any byte is
   * read or written: the "line busy" of a modem pool. Default: no limit.
   */
  maxLines?: number;
  /** A terminal connection silent this long is hung up (a lying length otherwise holds a line forever). Default 120 s; 0 = never. */
  idleTimeoutMs?: number;
  /** A frame begun and not finished within this many ms drops the line (a stalled or lying caller); 0: never. */
  partialFrameTimeoutMs?: number;
  safeguards?: Partial<Record<SafeguardName, boolean>>;
  /** The durable store-and-forward queue (a journal file, fsync'd on every change). */
  safPath: string;
  saf?: {
    initialBackoffMs?: number;
    maxBackoffMs?: number;
    /** Tries before a reversal is given up as failed; default: never give up. */
    maxTries?: number;
    /** How long each try waits for the 0430; default issuer.timeoutMs. */
    ackTimeoutMs?: number;
  };
  /** Field 32, n..11. */
  acquirerId?: string;
  /** Key generation and RRNs are deterministic per seed. */
  seed?: string | number;
  /** The issuer link's PIN key (must match the issuer's). */
  zpk?: Buffer;
  registry?: Registry;
}

export interface ResolvedConfig {
  host: string;
  port: number;
  dialect: string;
  issuer: { host: string; port: number; dialect: string; connections: number; timeoutMs: number };
  terminals: TerminalDirectory;
  maxLines: number;
  idleTimeoutMs: number;
  partialFrameTimeoutMs: number;
  safeguards: Record<SafeguardName, boolean>;
  safPath: string;
  saf: { initialBackoffMs: number; maxBackoffMs: number; maxTries: number; ackTimeoutMs: number };
  acquirerId: string;
  seed: string | number;
  zpk: Buffer | undefined;
  registry: Registry | undefined;
}

function positiveInt(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new RangeError(`switch config: ${what} must be a positive integer, got ${String(value)}`);
  }
  return value;
}

function nonNegative(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`switch config: ${what} must be a non-negative number, got ${String(value)}`);
  }
  return value;
}

/** Validates the caller's config and fills in defaults; throws a RangeError/TypeError naming the bad setting. */
export function resolveConfig(config: SwitchConfig): ResolvedConfig {
  if (config === null || typeof config !== 'object') throw new TypeError('switch config must be an object');
  const issuer = config.issuer;
  if (!issuer || typeof issuer.host !== 'string' || issuer.host === '') throw new TypeError('switch config: issuer.host is required');
  if (typeof issuer.port !== 'number' || !Number.isInteger(issuer.port) || issuer.port < 1 || issuer.port > 65535) {
    throw new RangeError(`switch config: issuer.port must be 1..65535, got ${String(issuer.port)}`);
  }
  if (!config.terminals || typeof config.terminals.lookup !== 'function') {
    throw new TypeError('switch config: terminals must be a TerminalDirectory');
  }
  if (typeof config.safPath !== 'string' || config.safPath === '') throw new TypeError('switch config: safPath is required');
  const acquirerId = config.acquirerId ?? '01020000';
  if (!/^\d{1,11}$/.test(acquirerId)) throw new RangeError('switch config: acquirerId must be 1 to 11 digits');
  const port = config.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new RangeError(`switch config: port must be 0..65535, got ${String(port)}`);
  const safeguards: Record<SafeguardName, boolean> = {
    duplicateDetection: true, macVerification: true, storeAndForward: true, issuerTimeout: true,
  };
  for (const [name, on] of Object.entries(config.safeguards ?? {})) {
    if (!SAFEGUARD_NAMES.includes(name as SafeguardName)) throw new RangeError(`switch config: unknown safeguard "${name}"`);
    if (typeof on !== 'boolean') throw new TypeError(`switch config: safeguard ${name} must be true or false`);
    safeguards[name as SafeguardName] = on;
  }
  if (config.zpk !== undefined && (!Buffer.isBuffer(config.zpk) || (config.zpk.length !== 8 && config.zpk.length !== 16))) {
    throw new RangeError('switch config: zpk must be an 8- or 16-byte Buffer');
  }
  const initialBackoffMs = nonNegative(config.saf?.initialBackoffMs ?? 1000, 'saf.initialBackoffMs');
  return {
    host: config.host ?? '127.0.0.1',
    port,
    dialect: config.dialect ?? 'cup-pos',
    issuer: {
      host: issuer.host,
      port: issuer.port,
      dialect: issuer.dialect ?? 'iso87-ascii',
      connections: positiveInt(issuer.connections ?? 2, 'issuer.connections'),
      timeoutMs: positiveInt(issuer.timeoutMs, 'issuer.timeoutMs'),
    },
    terminals: config.terminals,
    maxLines: config.maxLines === undefined ? Infinity : positiveInt(config.maxLines, 'maxLines'),
    idleTimeoutMs: nonNegative(config.idleTimeoutMs ?? 120_000, 'idleTimeoutMs'),
    partialFrameTimeoutMs: nonNegative(config.partialFrameTimeoutMs ?? 10_000, 'partialFrameTimeoutMs'),
    safeguards,
    safPath: config.safPath,
    saf: {
      initialBackoffMs,
      maxBackoffMs: Math.max(initialBackoffMs, nonNegative(config.saf?.maxBackoffMs ?? 30_000, 'saf.maxBackoffMs')),
      maxTries: config.saf?.maxTries === undefined ? Infinity : positiveInt(config.saf.maxTries, 'saf.maxTries'),
      ackTimeoutMs: positiveInt(config.saf?.ackTimeoutMs ?? issuer.timeoutMs, 'saf.ackTimeoutMs'),
    },
    acquirerId,
    seed: config.seed ?? `switch-${Date.now()}`,
    zpk: config.zpk,
    registry: config.registry,
  };
}
