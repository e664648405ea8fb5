// Key check values, key generation and the sign-on key block of field 62 (cup-pos.md §3.4).
import { createHmac, timingSafeEqual } from 'node:crypto';
import { desDecrypt, desEncrypt } from './des';
import { KeyError, requireBuffer } from './errors';

export { KeyError } from './errors';

const ZERO_BLOCK = Buffer.alloc(8);

/** The leading `bytes` (1-8, default 4) of E(key, 00…00), as printed on key forms and carried in field 62. */
export function checkValue(key: Buffer, bytes = 4): Buffer {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > 8) {
    throw new RangeError(`check value length must be 1 to 8 bytes, got ${String(bytes)}`);
  }
  return Buffer.from(desEncrypt(key, ZERO_BLOCK).subarray(0, bytes));
}

/** A copy of `key` with each byte's low bit set so that the byte has an odd number of 1 bits. */
export function withOddParity(key: Buffer): Buffer {
  requireBuffer(key, 'key');
  const out = Buffer.allocUnsafe(key.length);
  for (let i = 0; i < key.length; i++) {
    let high = key[i] & 0xfe;
    let ones = 0;
    while (high !== 0) {
      ones += high & 1;
      high >>= 1;
    }
    out[i] = (key[i] & 0xfe) | (ones % 2 === 0 ? 1 : 0);
  }
  return out;
}

// The 4 weak and 12 semi-weak DES keys (FIPS 74 / NIST SP 800-67), in odd-parity form.
const WEAK_DES_KEYS = new Set([
  '0101010101010101', 'fefefefefefefefe', 'e0e0e0e0f1f1f1f1', '1f1f1f1f0e0e0e0e',
  '01fe01fe01fe01fe', 'fe01fe01fe01fe01', '1fe01fe00ef10ef1', 'e01fe01ff10ef10e',
  '01e001e001f101f1', 'e001e001f101f101', '1ffe1ffe0efe0efe', 'fe1ffe1ffe0efe0e',
  '011f011f010e010e', '1f011f010e010e01', 'e0fee0fef1fef1fe', 'fee0fee0fef1fef1',
]);

function isUsable(key: Buffer): boolean {
  for (let off = 0; off < key.length; off += 8) {
    if (WEAK_DES_KEYS.has(key.toString('hex', off, off + 8))) return false;
  }
  return key.length !== 16 || !key.subarray(0, 8).equals(key.subarray(8));
}

/**
 * A fresh odd-parity key of 8 or 16 bytes from `random` (pass a seeded Prng's `bytes` for repeatable runs, or
 * crypto.randomBytes). Weak DES keys and a 16-byte key whose halves are equal are drawn again.
 */
export function generateKey(length: 8 | 16, random: (n: number) => Buffer): Buffer {
  if (length !== 8 && length !== 16) throw new KeyError(`key length must be 8 or 16 bytes, got ${String(length)}`);
  for (let attempt = 0; attempt < 100; attempt++) {
    const raw = random(length);
    if (!Buffer.isBuffer(raw) || raw.length !== length) {
      throw new TypeError(`random(${length}) must return a Buffer of ${length} bytes`);
    }
    const key = withOddParity(raw);
    raw.fill(0);
    if (isUsable(key)) return key;
  }
  throw new KeyError('random source produced only weak keys');
}

/**
 * The 16-byte TMK of a terminal, derived from a shared seed so that the switch and the fleet agree on it without
 * a key-loading step: HMAC-SHA256(seed, "posfault-tmk:" + terminal id), first 16 bytes, odd parity.
 */
export function deriveTerminalMasterKey(seed: string, terminalId: string): Buffer {
  if (typeof seed !== 'string' || seed.length === 0) throw new KeyError('TMK seed must be a non-empty string');
  if (typeof terminalId !== 'string' || terminalId.length === 0) {
    throw new KeyError('terminal id must be a non-empty string');
  }
  const digest = createHmac('sha256', seed).update('posfault-tmk:' + terminalId).digest();
  const tmk = withOddParity(digest.subarray(0, 16));
  digest.fill(0);
  return tmk;
}

export interface WorkingKeys {
  pik: Buffer;
  mak: Buffer;
  tdk?: Buffer;
}

/** 60.3 of the 0800/0810: `001` single-length keys, `003` double-length, `004` double-length plus a TDK. */
export type SignOnKeyLayout = '001' | '003' | '004';

interface LayoutShape {
  keyLength: number;
  names: readonly ('pik' | 'mak' | 'tdk')[];
}

const LAYOUTS: Record<SignOnKeyLayout, LayoutShape> = {
  '001': { keyLength: 8, names: ['pik', 'mak'] },
  '003': { keyLength: 16, names: ['pik', 'mak'] },
  '004': { keyLength: 16, names: ['pik', 'mak', 'tdk'] },
};

const KCV_LENGTH = 4;

function layoutShape(layout: SignOnKeyLayout): LayoutShape {
  const shape = Object.prototype.hasOwnProperty.call(LAYOUTS, layout) ? LAYOUTS[layout] : undefined;
  if (shape === undefined) throw new KeyError(`unknown sign-on key layout "${String(layout)}"`);
  return shape;
}

/** Bytes of field 62 for a layout: 24, 40 or 60. */
export function signOnKeysLength(layout: SignOnKeyLayout): number {
  const shape = layoutShape(layout);
  return shape.names.length * (shape.keyLength + KCV_LENGTH);
}

function requireTmk(tmk: Buffer): void {
  requireBuffer(tmk, 'TMK');
  if (tmk.length !== 8 && tmk.length !== 16 && tmk.length !== 24) {
    throw new KeyError(`TMK must be 8, 16 or 24 bytes, got ${tmk.length}`);
  }
}

/**
 * Field 62 of an 0810: for each key of the layout, E_TMK(key) (ECB) followed by its 4-byte check value. A TDK
 * given with layout 001 or 003 is left out.
 */
export function encodeSignOnKeys(tmk: Buffer, keys: WorkingKeys, layout: SignOnKeyLayout): Buffer {
  requireTmk(tmk);
  const shape = layoutShape(layout);
  const parts: Buffer[] = [];
  for (const name of shape.names) {
    const key = keys[name];
    const label = name.toUpperCase();
    if (key === undefined) throw new KeyError(`layout ${layout} needs a ${label}`);
    requireBuffer(key, label);
    if (key.length !== shape.keyLength) {
      throw new KeyError(`layout ${layout} needs a ${shape.keyLength}-byte ${label}, got ${key.length}`);
    }
    parts.push(desEncrypt(tmk, key), checkValue(key, KCV_LENGTH));
  }
  return Buffer.concat(parts);
}

/**
 * Decrypts the working keys of field 62 under the TMK and checks each against its check value. Throws KeyError
 * ("PIK check value mismatch", "field 62 is 39 bytes, layout 003 needs 40", …) and returns nothing partial.
 */
export function decodeSignOnKeys(tmk: Buffer, field62: Buffer, layout: SignOnKeyLayout): WorkingKeys {
  requireTmk(tmk);
  requireBuffer(field62, 'field 62');
  const shape = layoutShape(layout);
  const expected = signOnKeysLength(layout);
  if (field62.length !== expected) {
    throw new KeyError(`field 62 is ${field62.length} bytes, layout ${layout} needs ${expected}`);
  }
  const out: Partial<Record<'pik' | 'mak' | 'tdk', Buffer>> = {};
  let off = 0;
  for (const name of shape.names) {
    const key = desDecrypt(tmk, field62.subarray(off, off + shape.keyLength));
    off += shape.keyLength;
    const kcv = field62.subarray(off, off + KCV_LENGTH);
    off += KCV_LENGTH;
    if (!timingSafeEqual(checkValue(key, KCV_LENGTH), kcv)) {
      throw new KeyError(`${name.toUpperCase()} check value mismatch`);
    }
    out[name] = key;
  }
  const keys: WorkingKeys = { pik: out.pik as Buffer, mak: out.mak as Buffer };
  if (out.tdk !== undefined) keys.tdk = out.tdk;
  return keys;
}
