// A real issuer stub and a switch in front of it, on loopback, in a temporary folder; and signed-on test terminals.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generateAccounts, startIssuer, type AccountSpec, type IssuerConfig, type IssuerHandle } from '../../../harness/issuer';
import { deriveTerminalMasterKey } from '../../../harness/security';
import { defaultMerchantId, startSwitch, terminalRange, type SwitchConfig, type SwitchHandle } from '../../../harness/switch';
import { SwallowingRelay } from './swallowing-relay';
import { TestLine, TestTerminal, type Card, type Reply } from './test-terminal';

export const TMK_SEED = 'switch-test';
export const FIRST_TERMINAL = 10000001;

export interface StackOptions {
  safeguards?: SwitchConfig['safeguards'];
  timeoutMs?: number;
  issuer?: Partial<IssuerConfig>;
  switch?: Partial<SwitchConfig>;
  /** Put a SwallowingRelay between switch and issuer that passes this many frames toward the issuer. */
  swallowAfter?: number;
  /** Lose only these (0-based) frames of the switch's on the issuer link; answers come back. */
  dropIssuerFrames?: number[];
}

export class Stack {
  readonly lines: TestLine[] = [];
  relay?: SwallowingRelay;
  private constructor(
    readonly dir: string,
    readonly issuer: IssuerHandle,
    public sw: SwitchHandle,
    readonly accounts: AccountSpec[],
    readonly switchConfig: SwitchConfig,
  ) {}

  static async start(opts: StackOptions = {}): Promise<Stack> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'posfault-switch-'));
    const accounts = generateAccounts('switch-test-cards', 12, { pinShare: 0.5, balanceMin: 1_000_000, balanceMax: 1_000_000 });
    const issuer = await startIssuer({ port: 0, journalPath: path.join(dir, 'issuer.jsonl'), accounts, ...opts.issuer });
    const relay =
      opts.swallowAfter !== undefined ? await SwallowingRelay.start(issuer, opts.swallowAfter)
      : opts.dropIssuerFrames !== undefined ? await SwallowingRelay.dropping(issuer, opts.dropIssuerFrames)
      : undefined;
    const switchConfig: SwitchConfig = {
      issuer: { host: issuer.host, port: relay?.port ?? issuer.port, timeoutMs: opts.timeoutMs ?? 400 },
      terminals: terminalRange({ seed: TMK_SEED, firstId: FIRST_TERMINAL, count: 50, merchantId: defaultMerchantId }),
      safPath: path.join(dir, 'saf.jsonl'),
      safeguards: opts.safeguards,
      saf: { initialBackoffMs: 50, maxBackoffMs: 200 },
      seed: 'switch-test',
      idleTimeoutMs: 10_000,
      ...opts.switch,
    };
    const sw = await startSwitch(switchConfig);
    const stack = new Stack(dir, issuer, sw, accounts, switchConfig);
    stack.relay = relay;
    return stack;
  }

  /** A card with a PIN (when `withPin`) or without. */
  card(withPin: boolean): Card {
    const a = this.accounts.find((x) => (x.pin !== undefined) === withPin)!;
    return { pan: a.pan, expiry: a.expiry, pin: a.pin };
  }

  terminal(index = 0): TestTerminal {
    const id = String(FIRST_TERMINAL + index);
    return new TestTerminal(id, defaultMerchantId(id), deriveTerminalMasterKey(TMK_SEED, id));
  }

  async line(t?: TestTerminal): Promise<TestLine> {
    const line = await TestLine.connect(this.sw.port, () => t?.keys?.mak);
    this.lines.push(line);
    return line;
  }

  /** A terminal that has signed on, with a long connection. */
  async signedOn(index = 0): Promise<{ t: TestTerminal; line: TestLine }> {
    const t = this.terminal(index);
    const line = await this.line(t);
    const req = t.signOnRequest();
    const reply = await line.exchange(req, t.pack(req));
    if (!reply || reply.message.fields[39] !== '00') throw new Error(`sign-on failed: ${JSON.stringify(reply?.message.fields[39])}`);
    t.adoptSignOn(reply);
    return { t, line };
  }

  async sale(t: TestTerminal, line: TestLine, card: Card, amount: number, stan?: string): Promise<{ request: ReturnType<TestTerminal['saleRequest']>; reply: Reply | undefined }> {
    const request = t.saleRequest(card, amount, stan);
    const reply = await line.exchange(request, t.pack(request));
    return { request, reply };
  }

  /** Ledger entries of one terminal and STAN. */
  ledgerFor(terminalId: string, stan: string) {
    return this.issuer.ledger().filter((e) => e.terminalId === terminalId && e.stan === stan);
  }

  /** The net number of debits still standing for a terminal and STAN (sales minus the reversals that hit them). */
  standingDebits(terminalId: string, stan: string): number {
    const entries = this.ledgerFor(terminalId, stan);
    const debits = entries.filter((e) => e.type === 'debit' && e.responseCode === '00' && e.duplicateOf === undefined).map((e) => e.seq);
    const reversed = new Set(this.issuer.ledger().filter((e) => e.type === 'reversal' && e.originalSeq !== undefined && e.responseCode === '00').map((e) => e.originalSeq));
    return debits.filter((s) => !reversed.has(s)).length;
  }

  /** Closes the switch and starts a new one on the same SAF file, talking to the issuer directly. */
  async restartSwitch(config: Partial<SwitchConfig> = {}): Promise<void> {
    await this.sw.close();
    this.sw = await startSwitch({ ...this.switchConfig, issuer: { ...this.switchConfig.issuer, port: this.issuer.port }, ...config });
  }

  async close(): Promise<void> {
    await Promise.all(this.lines.map((l) => l.close()));
    await this.sw.close();
    await this.relay?.close();
    await this.issuer.close();
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function until(cond: () => boolean, timeoutMs = 5000, stepMs = 20): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return cond();
}
