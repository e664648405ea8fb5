// Starts the embedded stack a scenario runs on: the fault proxy (or a real Toxiproxy), the issuer stub, the
// built-in switch (unless --switch names one under test), the two proxies (terminal line, issuer link) and the
// fleet with its printers. Every part shares one prom-client Registry; everything closes in reverse order.
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import type { Registry } from 'prom-client';
import { Toxiproxy, type Proxy } from 'toxiproxy-node-client';
import { startProxyServer } from '../../proxies';
import { generateAccounts, startIssuer, type AccountSpec, type IssuerHandle } from '../issuer';
import { JournalSink, VirtualPrinter, type PrinterSink } from '../printers';
import { startSwitch, terminalRange, type SwitchHandle } from '../switch';
import { combinedDirectory } from '../switch/terminal-directory';
import { createFleet, type Fleet } from '../terminal';
import { groupAt } from './fleet-groups';
import { ReceiptLog } from './recording-sink';
import type { Scenario } from './scenario-schema';
import type { TrailRecorder } from './trails';

export interface StackOptions {
  scenario: Scenario;
  seed: string;
  workDir: string;
  registry: Registry;
  /** host:port of a switch under test; the built-in switch is then not started. */
  switchAddress?: { host: string; port: number };
  /** A Toxiproxy server to use instead of the built-in proxy. */
  toxiproxyUrl?: string;
  receipts: ReceiptLog;
  trails: TrailRecorder;
}

export interface Stack {
  toxiproxy: Toxiproxy;
  proxies: Record<'terminal' | 'issuer', Proxy>;
  issuer: IssuerHandle;
  switch?: SwitchHandle;
  fleet: Fleet;
  accounts: AccountSpec[];
  printers: (VirtualPrinter | undefined)[];
  where: { switch: string; proxy: string; issuer: string };
  close(): Promise<void>;
}

export const PROXY_NAMES = { terminal: 'posfault_terminal_line', issuer: 'posfault_issuer_link' } as const;

function hostPort(listen: string): { host: string; port: number } {
  const i = listen.lastIndexOf(':');
  return { host: listen.slice(0, i).replace(/^\[|\]$/g, '') || '127.0.0.1', port: Number(listen.slice(i + 1)) };
}

async function freshProxy(tp: Toxiproxy, name: string, upstream: string): Promise<Proxy> {
  // A real Toxiproxy may still hold the proxy of an earlier run under the same name.
  try {
    await (await tp.get(name)).remove();
  } catch {
    /* not there */
  }
  return tp.createProxy({ name, listen: '127.0.0.1:0', upstream, enabled: true });
}

export async function startStack(o: StackOptions): Promise<Stack> {
  const { scenario: s } = o;
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  };
  try {
    rmSync(o.workDir, { recursive: true, force: true });
    let proxyUrl = o.toxiproxyUrl;
    if (proxyUrl === undefined) {
      const server = await startProxyServer({ port: 0, seed: `${o.seed}/proxy`, registry: o.registry });
      closers.push(() => server.close());
      proxyUrl = server.url;
    }
    const toxiproxy = new Toxiproxy(proxyUrl);

    const accounts = generateAccounts(`${o.seed}/accounts`, s.issuer.accounts);
    const issuer = await startIssuer({
      port: 0,
      journalPath: path.join(o.workDir, 'issuer-ledger.jsonl'),
      accounts,
      duplicateCheck: s.issuer.duplicateCheck,
      seed: `${o.seed}/issuer`,
      registry: o.registry,
    });
    closers.push(() => issuer.close());
    if (s.issuer.latency) issuer.setLatency({ kind: 'uniform', minMs: s.issuer.latency.min, maxMs: s.issuer.latency.max });

    const issuerLink = await freshProxy(toxiproxy, PROXY_NAMES.issuer, `${issuer.host}:${issuer.port}`);
    closers.push(() => issuerLink.remove());

    const tmkSeed = `${o.seed}/tmk`;
    const groups = s.fleet.groups;
    let sw: SwitchHandle | undefined;
    let switchAddr = o.switchAddress;
    if (!switchAddr) {
      const link = hostPort(issuerLink.listen);
      sw = await startSwitch({
        port: 0,
        issuer: { host: link.host, port: link.port, timeoutMs: s.switch.issuerTimeout ?? 5000 },
        // Every terminal of every group, each group with its merchant.
        terminals: combinedDirectory(
          groups.map((g) => terminalRange({ seed: tmkSeed, firstId: Number(g.firstId), count: g.terminals, merchantId: () => g.merchantId })),
        ),
        ...(s.switch.maxLines !== undefined ? { maxLines: s.switch.maxLines } : {}),
        safeguards: s.switch.safeguards,
        safPath: path.join(o.workDir, 'switch-saf.jsonl'),
        saf: {
          ...(s.switch.saf?.interval !== undefined ? { initialBackoffMs: s.switch.saf.interval } : {}),
          ...(s.switch.saf?.maxInterval !== undefined ? { maxBackoffMs: s.switch.saf.maxInterval } : {}),
          ...(s.switch.saf?.tries !== undefined ? { maxTries: s.switch.saf.tries } : {}),
        },
        seed: `${o.seed}/switch`,
        registry: o.registry,
      });
      const started = sw;
      closers.push(() => started.close());
      switchAddr = { host: sw.host, port: sw.port };
    }

    const terminalLine = await freshProxy(toxiproxy, PROXY_NAMES.terminal, `${switchAddr.host}:${switchAddr.port}`);
    closers.push(() => terminalLine.remove());

    const printers: (VirtualPrinter | undefined)[] = [];
    const journal = new JournalSink({ path: path.join(o.workDir, 'receipts.jsonl') });
    closers.push(() => journal.close());
    const sinks = new Map<number, PrinterSink>();
    const sinkFor = (i: number): PrinterSink => {
      let sink = sinks.get(i);
      if (!sink) {
        let inner: PrinterSink = journal;
        const settings = groupAt(groups, i)?.printers;
        if (settings?.sink === 'virtual') {
          const vp = new VirtualPrinter({ ...(settings.paperAfter !== undefined ? { paper: settings.paperAfter } : {}), keep: 5 });
          printers[i] = vp;
          inner = vp;
        }
        sink = o.receipts.wrap(inner);
        sinks.set(i, sink);
      }
      return sink;
    };
    for (const g of groups) if (g.printers.sink === 'virtual') for (let i = g.firstIndex; i < g.firstIndex + g.terminals; i++) sinkFor(i);

    const f = s.fleet;
    const line = hostPort(terminalLine.listen);
    const fleet = await createFleet({
      switchAddress: line,
      seed: tmkSeed,
      groups: groups.map((g) => ({
        firstId: Number(g.firstId),
        count: g.terminals,
        mode: g.mode,
        merchantId: g.merchantId,
        ...(g.merchantName !== undefined ? { merchantName: g.merchantName } : {}),
      })),
      timeouts: {
        ...(f.timeouts?.connect !== undefined ? { connectMs: f.timeouts.connect } : {}),
        ...(f.timeouts?.response !== undefined ? { responseMs: f.timeouts.response } : {}),
        ...(f.timeouts?.print !== undefined ? { printMs: f.timeouts.print } : {}),
      },
      ...(f.reversal ? { reversal: { maxTries: f.reversal.tries, ...(f.reversal.immediate !== undefined ? { immediate: f.reversal.immediate } : {}) } } : {}),
      ...(f.redial ? { redial: { maxTries: f.redial.tries, ...(f.redial.delay !== undefined ? { delayMs: f.redial.delay } : {}) } } : {}),
      printers: { sink: sinkFor, onNotPrinted: f.printers.onNotPrinted },
      storePath: path.join(o.workDir, 'fleet-store.bin'),
      durable: false,
      ...(f.sharedIds ? { sharedIds: f.sharedIds } : {}),
    });
    fleet.onMessage = (m) => o.trails.record(m.direction === 'out' ? 'sent' : 'received', m.terminalIndex, m.body);
    closers.push(() => fleet.close());

    return {
      toxiproxy,
      proxies: { terminal: terminalLine, issuer: issuerLink },
      issuer,
      ...(sw ? { switch: sw } : {}),
      fleet,
      accounts,
      printers,
      where: {
        switch: sw ? `built-in ${sw.host}:${sw.port}` : `under test ${switchAddr.host}:${switchAddr.port}`,
        proxy: o.toxiproxyUrl ? `Toxiproxy ${o.toxiproxyUrl}` : `built-in ${proxyUrl}`,
        issuer: `stub ${issuer.host}:${issuer.port} via ${issuerLink.listen}`,
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
