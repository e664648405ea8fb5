// Deterministic test cards: the same seed and options always give the same accounts.
import { Prng } from '../security/prng';
import { luhnCheckDigit } from './luhn';
import type { AccountSpec, GenerateAccountsOptions } from './types';

/** CUP-like BINs (62xxxx) the generator draws from. */
export const TEST_BINS: readonly string[] = ['622202', '622848', '621700', '622588', '625807', '621483'];

function share(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!(v >= 0 && v <= 1)) throw new RangeError(`${name} must be between 0 and 1, got ${String(value)}`);
  return v;
}

function yymm(date: Date): string {
  return String(date.getUTCFullYear() % 100).padStart(2, '0') + String(date.getUTCMonth() + 1).padStart(2, '0');
}

function draw(prng: Prng, range: number): number {
  return range <= 0x1_0000_0000 ? prng.int(range) : Math.floor(prng.next() * range);
}

export function generateAccounts(seed: string | number, count: number, options: GenerateAccountsOptions = {}): AccountSpec[] {
  if (!Number.isInteger(count) || count < 0 || count > 10_000_000) {
    throw new RangeError(`account count must be an integer from 0 to 10 000 000, got ${String(count)}`);
  }
  const balanceMin = options.balanceMin ?? 100_000;
  const balanceMax = options.balanceMax ?? 10_000_000;
  if (!Number.isSafeInteger(balanceMin) || !Number.isSafeInteger(balanceMax) || balanceMin < 0 || balanceMax < balanceMin) {
    throw new RangeError(`balance range must be integers with 0 <= balanceMin <= balanceMax, got ${balanceMin}..${balanceMax}`);
  }
  const pinShare = share(options.pinShare, 0.5, 'pinShare');
  const longPanShare = share(options.longPanShare, 0.25, 'longPanShare');
  const blockedShare = share(options.blockedShare, 0, 'blockedShare');
  const expiredShare = share(options.expiredShare, 0, 'expiredShare');

  const prng = new Prng(seed).fork('issuer-accounts');
  // Expiry is relative to a fixed date so the output does not depend on the day it is generated.
  const valid = yymm(new Date(Date.UTC(2031, 0, 1)));
  const lapsed = yymm(new Date(Date.UTC(2020, 0, 1)));
  const seen = new Set<string>();
  const out: AccountSpec[] = [];
  while (out.length < count) {
    const length = prng.next() < longPanShare ? 19 : 16;
    let body = prng.pick(TEST_BINS);
    while (body.length < length - 1) body += String(prng.int(10));
    const pan = body + luhnCheckDigit(body);
    if (seen.has(pan)) continue;
    seen.add(pan);
    const account: AccountSpec = {
      pan,
      expiry: valid,
      balance: balanceMin + draw(prng, balanceMax - balanceMin + 1),
    };
    if (prng.next() < pinShare) account.pin = String(prng.int(1_000_000)).padStart(6, '0');
    if (options.dailyLimit !== undefined) account.dailyLimit = options.dailyLimit;
    if (options.perTxnLimit !== undefined) account.perTxnLimit = options.perTxnLimit;
    const r = prng.next();
    if (r < blockedShare) account.status = 'blocked';
    else if (r < blockedShare + expiredShare) {
      account.status = 'expired';
      account.expiry = lapsed;
    }
    out.push(account);
  }
  return out;
}
