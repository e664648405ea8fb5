// The project's seeded PRNG: xoshiro128** with its 128-bit state taken from SHA-256 of the seed, so that any
// number or string gives a repeatable stream (never Math.random() in harness code).
import { createHash } from 'node:crypto';

const TWO_POW_32 = 0x1_0000_0000;

function seedText(seed: number | string): string {
  if (typeof seed === 'number') {
    if (!Number.isFinite(seed)) throw new RangeError('Prng seed must be a finite number or a string');
    return String(seed);
  }
  if (typeof seed === 'string') return seed;
  throw new TypeError('Prng seed must be a number or a string');
}

export class Prng {
  private seedPath: string;
  private readonly s = new Uint32Array(4);

  /** Numbers seed like their decimal text: `new Prng(7)` and `new Prng('7')` give the same stream. */
  constructor(seed: number | string) {
    this.seedPath = seedText(seed);
    const digest = createHash('sha256').update('posfault-prng:' + this.seedPath).digest();
    for (let i = 0; i < 4; i++) this.s[i] = digest.readUInt32LE(4 * i);
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1; // all-zero state never leaves 0
  }

  /**
   * A generator started from an explicit xoshiro128** state (four 32-bit words, not all zero), for checking the
   * generator against the reference implementation's published outputs. Its forks derive from the words.
   */
  static fromState(state: readonly [number, number, number, number]): Prng {
    const words: readonly number[] = state;
    if (!Array.isArray(words) || words.length !== 4 || !words.every((w) => Number.isInteger(w) && w >= 0 && w < TWO_POW_32)) {
      throw new RangeError('Prng.fromState needs four 32-bit unsigned integers');
    }
    if (words.every((w) => w === 0)) throw new RangeError('Prng.fromState needs a state that is not all zero');
    const prng = new Prng('state:' + words.join(','));
    for (let i = 0; i < 4; i++) prng.s[i] = words[i];
    return prng;
  }

  /** The next 32-bit unsigned integer. */
  nextUint32(): number {
    const s = this.s;
    const t = s[1] << 9;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** A float in [0, 1) with 32 bits of randomness. */
  next(): number {
    return this.nextUint32() / TWO_POW_32;
  }

  /** An unbiased integer in [0, maxExclusive); maxExclusive is an integer from 1 to 2^32. */
  int(maxExclusive: number): number {
    if (!Number.isInteger(maxExclusive) || maxExclusive < 1 || maxExclusive > TWO_POW_32) {
      throw new RangeError(`Prng.int needs an integer bound from 1 to 2^32, got ${String(maxExclusive)}`);
    }
    // Reject the top partial range so every residue is equally likely.
    const limit = TWO_POW_32 - (TWO_POW_32 % maxExclusive);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % maxExclusive;
    }
  }

  /** `n` random bytes (for test keys: generateKey(16, (n) => prng.bytes(n))). */
  bytes(n: number): Buffer {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`Prng.bytes needs a non-negative integer, got ${String(n)}`);
    const out = Buffer.allocUnsafe(n);
    let i = 0;
    while (i < n) {
      let x = this.nextUint32();
      for (let k = 0; k < 4 && i < n; k++, i++) {
        out[i] = x & 0xff;
        x >>>= 8;
      }
    }
    return out;
  }

  /** A uniformly chosen element of a non-empty array. */
  pick<T>(xs: readonly T[]): T {
    if (!Array.isArray(xs) || xs.length === 0) throw new RangeError('Prng.pick needs a non-empty array');
    return xs[this.int(xs.length)];
  }

  /**
   * An independent stream named by `label`, fixed by this generator's seed and the label alone: forking does not
   * draw from this stream, and the same label always gives the same child however far this stream has run.
   */
  fork(label: string): Prng {
    if (typeof label !== 'string') throw new TypeError('Prng.fork needs a string label');
    return new Prng(this.seedPath + '\u0000' + label);
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}
