// The issuer's cards: validated specs, and the mutable state each one carries while the issuer runs.
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { cardRef, maskPan } from '../security/card';
import { generateAccounts } from './generate-accounts';
import { isLuhnValid } from './luhn';
import type { AccountSpec, AccountsSource } from './types';

const amount = z.number().int().nonnegative().max(999_999_999_999);

export const accountSpecSchema = z
  .object({
    pan: z.string().regex(/^\d{12,19}$/, 'PAN must be 12 to 19 digits').refine(isLuhnValid, 'PAN fails the Luhn check'),
    expiry: z.string().regex(/^\d{2}(0[1-9]|1[0-2])$/, 'expiry must be YYMM'),
    pin: z.string().regex(/^\d{4,12}$/, 'PIN must be 4 to 12 digits').optional(),
    pinRule: z.literal('pan-last-4').optional(),
    balance: amount,
    dailyLimit: amount.optional(),
    perTxnLimit: amount.optional(),
    status: z.enum(['active', 'blocked', 'expired']).optional(),
  })
  .strict()
  .refine((a) => !(a.pin && a.pinRule), 'give pin or pinRule, not both');

const accountListSchema = z.array(accountSpecSchema);

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** Validates a list of accounts; throws one error naming every bad field (PANs masked). */
export function validateAccounts(specs: unknown, origin = 'accounts'): AccountSpec[] {
  const parsed = accountListSchema.safeParse(specs);
  if (!parsed.success) throw new Error(`${origin}: ${describe(parsed.error)}`);
  const seen = new Set<string>();
  for (const a of parsed.data) {
    if (seen.has(a.pan)) throw new Error(`${origin}: PAN ${maskPan(a.pan)} appears twice`);
    seen.add(a.pan);
  }
  return parsed.data;
}

/** Accounts from a JSON file: an array of AccountSpec, or { "accounts": [...] }. */
export function loadAccountsFile(path: string): AccountSpec[] {
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`accounts file ${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const list = Array.isArray(data) ? data : (data as { accounts?: unknown } | null)?.accounts;
  return validateAccounts(list, `accounts file ${path}`);
}

export function resolveAccounts(source: AccountsSource): AccountSpec[] {
  if (Array.isArray(source)) return validateAccounts(source);
  const { seed, count, ...options } = source;
  return generateAccounts(seed, count, options);
}

export const DAY_MS = 86_400_000;

export class Account {
  readonly cardRef: string;
  readonly panMasked: string;
  balance: number;
  pinTries = 0;
  private pinDay = -1;
  private spentDay = -1;
  private spent = 0;

  constructor(readonly spec: AccountSpec) {
    this.cardRef = cardRef(spec.pan);
    this.panMasked = maskPan(spec.pan);
    this.balance = spec.balance;
  }

  get pan(): string {
    return this.spec.pan;
  }

  /** The PIN on file, or undefined when the card has none. */
  expectedPin(): string | undefined {
    if (this.spec.pin) return this.spec.pin;
    if (this.spec.pinRule === 'pan-last-4') return this.spec.pan.slice(-4);
    return undefined;
  }

  /** Wrong-PIN tries counted today (a new UTC day starts from zero). */
  triesOn(at: number): number {
    return Math.floor(at / DAY_MS) === this.pinDay ? this.pinTries : 0;
  }

  recordPin(result: 'ok' | 'wrong' | 'locked', at: number): void {
    const day = Math.floor(at / DAY_MS);
    if (day !== this.pinDay) {
      this.pinDay = day;
      this.pinTries = 0;
    }
    if (result === 'ok') this.pinTries = 0;
    else if (result === 'wrong') this.pinTries++;
  }

  /** Approved debits today, fen. */
  spentOn(at: number): number {
    return Math.floor(at / DAY_MS) === this.spentDay ? this.spent : 0;
  }

  addSpent(delta: number, at: number): void {
    const day = Math.floor(at / DAY_MS);
    if (day !== this.spentDay) {
      this.spentDay = day;
      this.spent = 0;
    }
    this.spent = Math.max(0, this.spent + delta);
  }

  /** expired status, or an expiry month before the month of `at`. */
  isExpired(at: number): boolean {
    if (this.spec.status === 'expired') return true;
    const d = new Date(at);
    const now = (d.getUTCFullYear() % 100) * 100 + d.getUTCMonth() + 1;
    return Number(this.spec.expiry) < now;
  }
}

export class AccountBook {
  private readonly byPanMap = new Map<string, Account>();
  private readonly byRefMap = new Map<string, Account>();

  constructor(specs: AccountSpec[]) {
    for (const spec of specs) {
      const account = new Account(spec);
      this.byPanMap.set(spec.pan, account);
      this.byRefMap.set(account.cardRef, account);
    }
  }

  get size(): number {
    return this.byPanMap.size;
  }

  byPan(pan: string): Account | undefined {
    return this.byPanMap.get(pan);
  }

  byCardRef(ref: string): Account | undefined {
    return this.byRefMap.get(ref);
  }
}
