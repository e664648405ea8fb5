// Puts the planned faults in force and takes them out again, through the interfaces a user's stack also has:
// toxics and link-down through toxiproxy-node-client (so a real Toxiproxy works the same), maintenance and
// declines on the issuer stub, safeguards and key changes on the built-in switch, STAN resets on the fleet and
// faults on the virtual printers. A fault a stack cannot take by design (an external switch's safeguards and keys)
// is a warning and a limitation; any other fault that could not be put in force or taken out is a failure the
// verdict counts (faultsApplied), so a run never passes on a schedule that did not happen.
import type { Proxy } from 'toxiproxy-node-client';
import type { PlannedFault } from './plan';

export interface IssuerControl {
  maintenance(mode: 'refuse' | 'answer-91' | 'silent' | null): void;
  setDeclineShare(share: number, code?: string): void;
}
export interface SwitchControl {
  setSafeguard(name: string, on: boolean): void;
  rotateKeys(terminalId: string): void;
}
export interface FleetControl {
  resetStan(terminalIndex: number, stan: number): unknown;
}
export interface PrinterControl {
  loadPaper(receipts?: number): void;
  setCoverOpen(open: boolean): void;
  setOffline(mode: false | 'before' | 'during'): void;
  setSlow(ms: number): void;
}

export interface FaultTargets {
  proxies: Record<'terminal' | 'issuer', Proxy>;
  issuer?: IssuerControl;
  switch?: SwitchControl;
  /** The switch's safeguards as the scenario configured them: what a safeguard fault returns to. */
  safeguards: Record<string, boolean>;
  fleet: FleetControl;
  terminalId(index: number): string;
  printer(index: number): PrinterControl | undefined;
  warn(message: string): void;
  onChange(fault: PlannedFault, inForce: boolean): void;
}

/** A human label of what a fault does, for the progress line and the report. */
export function describeFault(f: PlannedFault): string {
  switch (f.kind) {
    case 'toxic':
      return `${f.type} on the ${f.link} ${f.link === 'terminal' ? 'line' : 'link'} (${f.stream}${f.toxicity < 1 ? `, ${Math.round(f.toxicity * 100)}%` : ''})`;
    case 'down':
      return `${f.link} ${f.link === 'terminal' ? 'line' : 'link'} down`;
    case 'maintenance':
      return `issuer maintenance (${f.mode})`;
    case 'safeguard':
      return `switch ${f.name} ${f.on ? 'on' : 'off'}`;
    case 'stan-reset':
      return `STAN reset to ${f.stan} on ${f.terminalIndices?.length ?? 0} terminal(s)`;
    case 'rotate-keys':
      return `switch changed keys of ${f.terminalIndices?.length ?? 0} terminal(s)`;
    case 'printer':
      return `printer ${f.fault} on ${f.terminalIndices?.length ?? 0} terminal(s)`;
    case 'declines':
      return `issuer declines ${Math.round(f.share * 100)}% with ${f.code}`;
  }
}

/** A fault this stack cannot take by design: the switch under test is not ours. */
export class NotOursError extends Error {}

/** What each overlapping fault set on one setting, latest on top: when one ends, the one below it is back in force. */
class Layers<V> {
  private readonly byKey = new Map<string, { id: string; value: V }[]>();

  push(key: string, id: string, value: V): void {
    const list = this.byKey.get(key);
    if (list) list.push({ id, value });
    else this.byKey.set(key, [{ id, value }]);
  }

  remove(key: string, id: string): void {
    const list = this.byKey.get(key) ?? [];
    const i = list.findIndex((l) => l.id === id);
    if (i >= 0) list.splice(i, 1);
  }

  /** The value in force: the latest fault's, or undefined when none is left. */
  top(key: string): V | undefined {
    const list = this.byKey.get(key);
    return list && list.length > 0 ? list[list.length - 1].value : undefined;
  }

  set(key: string, id: string, value: V, on: boolean): V | undefined {
    if (on) this.push(key, id, value);
    else this.remove(key, id);
    return this.top(key);
  }
}

export interface FaultFailure {
  id: string;
  what: string;
  phase: 'start' | 'stop';
  message: string;
}

export class FaultApplier {
  private readonly downCount = { terminal: 0, issuer: 0 };
  private readonly layers = new Layers<unknown>();
  private readonly active = new Set<PlannedFault>();
  /** Faults that could not be put in force or taken out (not counting those the stack cannot take by design). */
  readonly failures: FaultFailure[] = [];
  /** Faults not applied because the switch under test is not ours. */
  readonly notOurs: string[] = [];

  constructor(private readonly t: FaultTargets) {}

  inForce(): PlannedFault[] {
    return [...this.active];
  }

  async start(f: PlannedFault): Promise<void> {
    try {
      await this.apply(f, true);
      if (f.end !== undefined) this.active.add(f);
      this.t.onChange(f, true);
    } catch (e) {
      this.failed(f, 'start', e as Error);
    }
  }

  async stop(f: PlannedFault): Promise<void> {
    if (!this.active.delete(f)) return;
    try {
      await this.apply(f, false);
    } catch (e) {
      this.failed(f, 'stop', e as Error);
    }
    this.t.onChange(f, false);
  }

  private failed(f: PlannedFault, phase: 'start' | 'stop', e: Error): void {
    const what = describeFault(f);
    this.t.warn(`fault ${f.id} (${what}) could not be ${phase === 'start' ? 'put in force' : 'taken out'}: ${e.message}`);
    if (e instanceof NotOursError) this.notOurs.push(f.id);
    else this.failures.push({ id: f.id, what, phase, message: e.message });
  }

  /** Takes out every fault still in force (end of load, or an interrupted run). */
  async stopAll(): Promise<void> {
    for (const f of [...this.active]) await this.stop(f);
  }

  private async apply(f: PlannedFault, on: boolean): Promise<void> {
    const t = this.t;
    switch (f.kind) {
      case 'toxic': {
        const proxy = t.proxies[f.link];
        if (on) {
          await proxy.addToxic({
            name: f.id,
            // POS toxics (line_noise, carrier_drop, dialup) are not in the client's type list; the API takes any name.
            type: f.type as never,
            stream: f.stream,
            toxicity: f.toxicity,
            attributes: f.attributes,
          });
        } else {
          const toxic = await proxy.getToxic(f.id);
          await toxic.remove();
        }
        return;
      }
      case 'down': {
        this.downCount[f.link] += on ? 1 : -1;
        const enabled = this.downCount[f.link] === 0;
        const proxy = t.proxies[f.link];
        await proxy.update({ enabled, listen: proxy.listen, upstream: proxy.upstream });
        return;
      }
      case 'maintenance': {
        if (!t.issuer) throw new Error('no issuer stub of ours in this run');
        t.issuer.maintenance((this.layers.set('maintenance', f.id, f.mode, on) as typeof f.mode | undefined) ?? null);
        return;
      }
      case 'declines': {
        if (!t.issuer) throw new Error('no issuer stub of ours in this run');
        const top = this.layers.set('declines', f.id, { share: f.share, code: f.code }, on) as { share: number; code: string } | undefined;
        if (top) t.issuer.setDeclineShare(top.share, top.code);
        else t.issuer.setDeclineShare(0, f.code);
        return;
      }
      case 'safeguard': {
        if (!t.switch) throw new NotOursError('the switch under test is not ours: its safeguards cannot be switched from here');
        const top = this.layers.set(`safeguard|${f.name}`, f.id, f.on, on) as boolean | undefined;
        t.switch.setSafeguard(f.name, top ?? t.safeguards[f.name] ?? true);
        return;
      }
      case 'stan-reset':
        for (const i of f.terminalIndices ?? []) t.fleet.resetStan(i, f.stan);
        return;
      case 'rotate-keys': {
        if (!t.switch) throw new NotOursError('the switch under test is not ours: its keys cannot be changed from here');
        const ids = new Set((f.terminalIndices ?? []).map((i) => t.terminalId(i)));
        for (const id of ids) t.switch.rotateKeys(id);
        return;
      }
      case 'printer':
        for (const i of f.terminalIndices ?? []) {
          const p = t.printer(i);
          if (!p) throw new Error(`terminal ${i} has no virtual printer`);
          const L = this.layers;
          if (f.fault === 'paper-out') p.loadPaper(L.set(`${i}|paper`, f.id, 0, on) === undefined ? Infinity : 0);
          else if (f.fault === 'cover-open') p.setCoverOpen(L.set(`${i}|cover`, f.id, true, on) !== undefined);
          else if (f.fault === 'slow') p.setSlow((L.set(`${i}|slow`, f.id, f.slowBy ?? 2000, on) as number | undefined) ?? 0);
          else p.setOffline((L.set(`${i}|offline`, f.id, f.fault === 'offline' ? 'before' : 'during', on) as 'before' | 'during' | undefined) ?? false);
        }
        return;
    }
  }
}
