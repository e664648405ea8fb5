// Message authentication codes for field 64 (cup-pos.md §3.5, §4.2).
import { timingSafeEqual } from 'node:crypto';
import { cbcEncrypt, desEncrypt } from './des';
import { KeyError, requireBuffer } from './errors';

export type MacAlgorithm = 'x9.9' | 'x9.19' | 'cup-ecb';
export type MacPadding = 1 | 2;

export const MAC_ALGORITHMS: readonly MacAlgorithm[] = ['x9.9', 'x9.19', 'cup-ecb'];
const BLOCK = 8;

/**
 * ISO/IEC 9797-1 padding. Method 1: zeros up to a block boundary (nothing added to a whole number of blocks;
 * an empty input becomes one zero block). Method 2: 0x80, then zeros up to a block boundary.
 */
export function padMessage(data: Buffer, padding: MacPadding = 1): Buffer {
  requireBuffer(data, 'MAC data');
  if (padding === 1) {
    const length = data.length === 0 ? BLOCK : Math.ceil(data.length / BLOCK) * BLOCK;
    const out = Buffer.alloc(length);
    data.copy(out);
    return out;
  }
  if (padding === 2) {
    const out = Buffer.alloc((Math.floor(data.length / BLOCK) + 1) * BLOCK);
    data.copy(out);
    out[data.length] = 0x80;
    return out;
  }
  throw new RangeError(`MAC padding must be 1 or 2, got ${String(padding)}`);
}

function singleKey(key: Buffer, algorithm: MacAlgorithm): Buffer {
  requireBuffer(key, 'MAC key');
  if (key.length === 8) return key;
  if (key.length === 16) return key.subarray(0, 8);
  throw new KeyError(`${algorithm} MAC key must be 8 or 16 bytes, got ${key.length}`);
}

/** ISO 9797-1 MAC algorithm 1 (ANSI X9.9): single-DES CBC-MAC, zero IV, the last block is the MAC. */
function x99(key: Buffer, padded: Buffer): Buffer {
  const chain = cbcEncrypt(singleKey(key, 'x9.9'), padded);
  return chain.subarray(chain.length - BLOCK);
}

/**
 * ISO 9797-1 MAC algorithm 3 (ANSI X9.19 retail MAC): the single-DES CBC chain under the left half, with the
 * last block run through E_K1(D_K2(E_K1(.))), which is 2-key 3DES of (last block XOR the previous chain value).
 */
function x919(key: Buffer, padded: Buffer): Buffer {
  requireBuffer(key, 'MAC key');
  if (key.length !== 16) throw new KeyError(`x9.19 MAC key must be 16 bytes, got ${key.length}`);
  const lastStart = padded.length - BLOCK;
  const finalInput = Buffer.from(padded.subarray(lastStart));
  if (lastStart > 0) {
    const chain = cbcEncrypt(key.subarray(0, 8), padded.subarray(0, lastStart));
    for (let i = 0; i < BLOCK; i++) finalInput[i] ^= chain[lastStart - BLOCK + i];
  }
  return desEncrypt(key, finalInput);
}

const HEX_UPPER = Buffer.from('0123456789ABCDEF', 'latin1');

function hexExpand(bytes: Buffer, count: number, out: Buffer): void {
  for (let i = 0; i < count; i++) {
    out[2 * i] = HEX_UPPER[bytes[i] >> 4];
    out[2 * i + 1] = HEX_UPPER[bytes[i] & 0x0f];
  }
}

/**
 * The UnionPay POS "ECB" MAC (cup-pos.md §3.5): XOR all blocks into R; expand R to 16 upper-case hex characters;
 * E1 = E(first 8 characters); E2 = E(E1 XOR last 8 characters); field 64 = the first 8 hex characters of E2.
 * The key is the first 8 bytes of the MAK (single DES) unless `fullKey` asks for the whole double-length key in
 * both encryptions, a variant some acquirers use.
 */
export function cupEcbMac(key: Buffer, data: Buffer, padding: MacPadding = 1, fullKey = false): Buffer {
  requireBuffer(key, 'MAC key');
  // With fullKey, desEncrypt itself rejects a length other than 8, 16 or 24.
  const macKey = fullKey ? key : singleKey(key, 'cup-ecb');
  const padded = padMessage(data, padding);
  const r = Buffer.alloc(BLOCK);
  for (let off = 0; off < padded.length; off += BLOCK) {
    for (let i = 0; i < BLOCK; i++) r[i] ^= padded[off + i];
  }
  const hex = Buffer.allocUnsafe(2 * BLOCK);
  hexExpand(r, BLOCK, hex);
  const e1 = desEncrypt(macKey, hex.subarray(0, BLOCK));
  for (let i = 0; i < BLOCK; i++) e1[i] ^= hex[BLOCK + i];
  const e2 = desEncrypt(macKey, e1);
  const mac = Buffer.allocUnsafe(BLOCK);
  hexExpand(e2, BLOCK / 2, mac);
  return mac;
}

/** The 8-byte MAC of `data` under `key`; padding 1 (zeros, the default) or 2 (0x80 then zeros). */
export function computeMac(algorithm: MacAlgorithm, key: Buffer, data: Buffer, padding: MacPadding = 1): Buffer {
  switch (algorithm) {
    case 'x9.9':
      return x99(key, padMessage(data, padding));
    case 'x9.19':
      return x919(key, padMessage(data, padding));
    case 'cup-ecb':
      return cupEcbMac(key, data, padding);
    default:
      throw new RangeError(`unknown MAC algorithm "${String(algorithm)}"`);
  }
}

/** A MAC as a dialect names it: the algorithm, the padding method (default 1) and, for cup-ecb, the key length. */
export interface MacParams {
  algorithm: MacAlgorithm;
  padding?: MacPadding;
  /** cup-ecb: `single` (default) the first 8 bytes of the MAK; `double` the whole 16-byte MAK. */
  cupEcbKey?: 'single' | 'double';
}

/** The 8-byte MAC of `data` under `key` with a dialect's MAC parameters (`dialect.mac` fits). */
export function computeMacWith(params: MacParams, key: Buffer, data: Buffer): Buffer {
  const padding = params.padding ?? 1;
  if (params.algorithm === 'cup-ecb') {
    if (params.cupEcbKey !== undefined && params.cupEcbKey !== 'single' && params.cupEcbKey !== 'double') {
      throw new RangeError(`cup-ecb key must be single or double, got ${String(params.cupEcbKey)}`);
    }
    return cupEcbMac(key, data, padding, params.cupEcbKey === 'double');
  }
  return computeMac(params.algorithm, key, data, padding);
}

/** verifyMac with a dialect's MAC parameters. */
export function verifyMacWith(params: MacParams, key: Buffer, data: Buffer, mac: Buffer): boolean {
  requireBuffer(mac, 'MAC');
  const expected = computeMacWith(params, key, data);
  return mac.length === expected.length && timingSafeEqual(expected, mac);
}

/** True when `mac` is the 8-byte MAC of `data`; the comparison takes the same time wherever the bytes differ. */
export function verifyMac(
  algorithm: MacAlgorithm,
  key: Buffer,
  data: Buffer,
  mac: Buffer,
  padding: MacPadding = 1,
): boolean {
  requireBuffer(mac, 'MAC');
  const expected = computeMac(algorithm, key, data, padding);
  if (mac.length !== expected.length) return false;
  return timingSafeEqual(expected, mac);
}
