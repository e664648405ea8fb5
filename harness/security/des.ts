// DES and 3DES through Node's OpenSSL 3 without the legacy provider: single DES is des-ede3 with K‖K‖K and
// 2-key 3DES is des-ede3 with K1‖K2‖K1 (cup-pos.md §4.1).
import { createCipheriv, createDecipheriv, hash, type Cipher, type Decipher } from 'node:crypto';
import { KeyError, requireBuffer } from './errors';

const BLOCK = 8;
const ZERO_IV = Buffer.alloc(BLOCK);
const CACHE_LIMIT = 4096;

/** The 24-byte des-ede3 key for an 8-byte (single DES), 16-byte (2-key) or 24-byte (3-key) DES key. */
export function ede3Key(key: Buffer): Buffer {
  requireBuffer(key, 'DES key');
  switch (key.length) {
    case 8:
      return Buffer.concat([key, key, key]);
    case 16:
      return Buffer.concat([key, key.subarray(0, 8)]);
    case 24:
      return Buffer.from(key);
    default:
      throw new KeyError(`DES key must be 8, 16 or 24 bytes, got ${key.length}`);
  }
}

function requireBlocks(data: Buffer, what: string): void {
  requireBuffer(data, what);
  if (data.length % BLOCK !== 0) throw new RangeError(`${what} must be a multiple of 8 bytes, got ${data.length}`);
}

/**
 * Cipher objects are costly to create, so each key keeps one. ECB has no chaining state, so an ECB object that
 * only ever sees `update` with whole blocks can be reused forever. A CBC object carries its last ciphertext
 * block into the next call; `cbcEncrypt` cancels that by XORing it into the first block of each new message.
 */
interface KeyCiphers {
  ecbEnc?: Cipher;
  ecbDec?: Decipher;
  cbcEnc?: Cipher;
  cbcLast?: Buffer;
}

const cache = new Map<string, KeyCiphers>();

/**
 * The cache key of a DES key: its SHA-256 (base64), so no clear key is held as a string (strings cannot be wiped
 * and linger in heap snapshots). The one-shot `hash` costs a fraction of a createHash object on this hot path.
 */
function cacheId(key: Buffer): string {
  return hash('sha256', key, 'base64');
}

function ciphersFor(key: Buffer): KeyCiphers {
  requireBuffer(key, 'DES key');
  const id = cacheId(key);
  let entry = cache.get(id);
  if (entry === undefined) {
    ede3Key(key); // validates the length before anything is cached
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
    entry = {};
    cache.set(id, entry);
  }
  return entry;
}

function ecbEncryptor(key: Buffer): Cipher {
  const entry = ciphersFor(key);
  if (entry.ecbEnc === undefined) {
    entry.ecbEnc = createCipheriv('des-ede3-ecb', ede3Key(key), null).setAutoPadding(false);
  }
  return entry.ecbEnc;
}

function ecbDecryptor(key: Buffer): Decipher {
  const entry = ciphersFor(key);
  if (entry.ecbDec === undefined) {
    entry.ecbDec = createDecipheriv('des-ede3-ecb', ede3Key(key), null).setAutoPadding(false);
  }
  return entry.ecbDec;
}

/** DES / 3DES ECB encryption. Key: 8 bytes (single DES), 16 (2-key 3DES) or 24 (3-key 3DES). */
export function desEncrypt(key: Buffer, data: Buffer): Buffer {
  requireBlocks(data, 'DES data');
  return ecbEncryptor(key).update(data);
}

/** DES / 3DES ECB decryption; keys as for desEncrypt. */
export function desDecrypt(key: Buffer, data: Buffer): Buffer {
  requireBlocks(data, 'DES data');
  return ecbDecryptor(key).update(data);
}

/** DES / 3DES CBC encryption with a zero IV (the CBC-MAC chain); returns every ciphertext block. */
export function cbcEncrypt(key: Buffer, data: Buffer): Buffer {
  requireBlocks(data, 'DES data');
  if (data.length === 0) return Buffer.alloc(0);
  const entry = ciphersFor(key);
  if (entry.cbcEnc === undefined || entry.cbcLast === undefined) {
    entry.cbcEnc = createCipheriv('des-ede3-cbc', ede3Key(key), ZERO_IV).setAutoPadding(false);
    entry.cbcLast = Buffer.alloc(BLOCK);
  }
  const input = Buffer.from(data);
  const last = entry.cbcLast;
  for (let i = 0; i < BLOCK; i++) input[i] ^= last[i];
  const out = entry.cbcEnc.update(input);
  out.copy(last, 0, out.length - BLOCK);
  input.fill(0);
  return out;
}

/** The cache's keys (hashes, never key bytes), for tests. */
export function cachedKeyIds(): string[] {
  return [...cache.keys()];
}

/** Drops every cached cipher object (e.g. after a key change in a long-running test process). */
export function clearCipherCache(): void {
  cache.clear();
}
