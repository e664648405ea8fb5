// Puts the planned faults in force and takes them out again, through the interfaces a user's stack also has:
// toxics and link-down through toxiproxy-node-client (so a real Toxiproxy works the same), maintenance and
// declines on the issuer stub, safeguards and key changes on the built-in switch, STAN resets on the fleet and
// faults on the virtual printers. A fault a stack cannot take (an external switch's safeguards) is a warning.
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

export class FaultApplier {
  private readonly downCount = { terminal: 0, issuer: 0 };
  private maintenanceStack: ('refuse' | 'answer-91' | 'silent')[] = [];
  private readonly active = new Set<PlannedFault>();

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
      this.t.warn(`fault ${f.id} (${describeFault(f)}) could not be put in force: ${(e as Error).message}`);
    }
  }

  async stop(f: PlannedFault): Promise<void> {
    if (!this.active.delete(f)) return;
    try {
      await this.apply(f, false);
    } catch (e) {
      this.t.warn(`fault ${f.id} (${describeFault(f)}) could not be taken out: ${(e as Error).message}`);
    }
    this.t.onChange(f, false);
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
        if (on) this.maintenanceStack.push(f.mode);
        else this.maintenanceStack.splice(this.maintenanceStack.lastIndexOf(f.mode), 1);
        t.issuer.maintenance(this.maintenanceStack.length > 0 ? this.maintenanceStack[this.maintenanceStack.length - 1] : null);
        return;
      }
      case 'declines': {
        if (!t.issuer) throw new Error('no issuer stub of ours in this run');
        t.issuer.setDeclineShare(on ? f.share : 0, f.code);
        return;
      }
      case 'safeguard': {
        if (!t.switch) throw new Error('the switch under test is not ours: its safeguards cannot be switched from here');
        t.switch.setSafeguard(f.name, on ? f.on : (t.safeguards[f.name] ?? true));
        return;
      }
      case 'stan-reset':
        for (const i of f.terminalIndices ?? []) t.fleet.resetStan(i, f.stan);
        return;
      case 'rotate-keys': {
        if (!t.switch) throw new Error('the switch under test is not ours: its keys cannot be changed from here');
        const ids = new Set((f.terminalIndices ?? []).map((i) => t.terminalId(i)));
        for (const id of ids) t.switch.rotateKeys(id);
        return;
      }
      case 'printer':
        for (const i of f.terminalIndices ?? []) {
          const p = t.printer(i);
          if (!p) throw new Error(`terminal ${i} has no virtual printer`);
          if (f.fault === 'paper-out') p.loadPaper(on ? 0 : Infinity);
          else if (f.fault === 'cover-open') p.setCoverOpen(on);
          else if (f.fault === 'offline') p.setOffline(on ? 'before' : false);
          else if (f.fault === 'offline-during') p.setOffline(on ? 'during' : false);
          else p.setSlow(on ? (f.slowBy ?? 2000) : 0);
        }
        return;
    }
  }
}
