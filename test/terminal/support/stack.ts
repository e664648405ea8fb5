// The real switch and issuer on loopback, in a temporary folder, for the fleet's tests.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DEFAULT_ISSUER_ZPK, generateAccounts, startIssuer, type IssuerHandle } from '../../../harness/issuer';
import type { AccountSpec } from '../../../harness/issuer/types';
import { startSwitch, terminalRange, type SwitchHandle } from '../../../harness/switch';
import type { SwitchConfig } from '../../../harness/switch/config';
import { createFleet, type Fleet, type FleetConfig } from '../../../harness/terminal';
import { startRelay, type Relay, type ResponseHook } from './relay';

export const SEED = 'fleet-test';
export const FIRST_ID = 20000001;
export const merchantOf = (tid: string): string => '898100054110' + tid.slice(-3);

/** Polls `cond` every 5 ms until it holds; throws after `ms`. */
export async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

export interface Stack {
  dir: string;
  issuer: IssuerHandle;
  sw: SwitchHandle;
  accounts: AccountSpec[];
  /** A card with a PIN and one without, rich enough for every test. */
  card(withPin?: boolean): { pan: string; expiry: string; pin?: string };
  fleetConfig(extra?: Partial<FleetConfig>): FleetConfig;
  fleet(extra?: Partial<FleetConfig>): Promise<Fleet>;
  /** A relay in front of the switch (see relay.ts), closed with the stack. */
  relay(hook?: ResponseHook): Promise<Relay>;
  /** The switch's count of open terminal lines (its posfault_switch_lines_in_use gauge). */
  linesInUse(): Promise<number>;
  close(): Promise<void>;
}

export interface StackOptions {
  terminals?: number;
  issuerTimeoutMs?: number;
  switch?: Partial<SwitchConfig>;
}

export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-'));
  const accounts = generateAccounts('fleet-accounts', 20, { balanceMin: 10_000_000, balanceMax: 20_000_000 });
  const issuer = await startIssuer({ journalPath: path.join(dir, 'issuer.jsonl'), accounts, seed: 'fleet' });
  const count = opts.terminals ?? 8;
  const sw = await startSwitch({
    issuer: { host: issuer.host, port: issuer.port, timeoutMs: opts.issuerTimeoutMs ?? 2000 },
    terminals: terminalRange({ seed: SEED, firstId: FIRST_ID, count, merchantId: merchantOf }),
    safPath: path.join(dir, 'saf.jsonl'),
    zpk: DEFAULT_ISSUER_ZPK,
    seed: 1,
    ...opts.switch,
  });
  const fleets: Fleet[] = [];
  const relays: Relay[] = [];
  let stores = 0;
  const stack: Stack = {
    dir, issuer, sw, accounts,
    card(withPin = true) {
      const a = accounts.find((x) => (x.pin !== undefined) === withPin && (x.status ?? 'active') === 'active')!;
      return a.pin !== undefined ? { pan: a.pan, expiry: a.expiry, pin: a.pin } : { pan: a.pan, expiry: a.expiry };
    },
    fleetConfig(extra = {}) {
      return {
        switchAddress: { host: sw.host, port: sw.port },
        seed: SEED,
        terminals: { firstId: FIRST_ID, count, merchantId: merchantOf, merchantName: 'TEST SHOP' },
        mode: 'long',
        timeouts: { connectMs: 1000, responseMs: 1500 },
        redial: { maxTries: 2, delayMs: 20 },
        storePath: path.join(dir, `fleet-${++stores}.store`),
        ...extra,
      };
    },
    async fleet(extra = {}) {
      const f = await createFleet(stack.fleetConfig(extra));
      fleets.push(f);
      return f;
    },
    async relay(hook) {
      const r = await startRelay(sw.port, hook);
      relays.push(r);
      return r;
    },
    async linesInUse() {
      const metric = sw.registry.getSingleMetric('posfault_switch_lines_in_use');
      if (metric === undefined) throw new Error('the switch has no posfault_switch_lines_in_use gauge');
      const data = await metric.get();
      return data.values[0]?.value ?? 0;
    },
    async close() {
      for (const f of fleets) await f.close();
      for (const r of relays) await r.close();
      await sw.close();
      await issuer.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}
