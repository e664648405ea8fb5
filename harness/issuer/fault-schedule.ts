// Plays a fault schedule against the issuer's controls: each fault starts at atMs and, when it has a duration,
// ends durationMs later, putting back the setting it replaced unless something else changed it since.
import type { IssuerFault, IssuerFaultSchedule, LatencySpec, MaintenanceMode } from './types';

export interface FaultControls {
  maintenance(mode: MaintenanceMode | null): void;
  currentMaintenance(): MaintenanceMode | null;
  setLatency(dist: LatencySpec | null): void;
  currentLatency(): LatencySpec | null;
  setDeclineShare(share: number, code?: string): void;
  currentDeclines(): { share: number; code: string };
  crash(downMs?: number): Promise<void>;
  onFaultError(fault: IssuerFault, error: unknown): void;
}

export class FaultScheduler {
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(private readonly schedule: IssuerFaultSchedule, private readonly controls: FaultControls) {}

  start(): void {
    for (const fault of this.schedule) this.later(fault.atMs, () => this.begin(fault));
  }

  stop(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    this.timers.add(t);
  }

  private begin(fault: IssuerFault): void {
    const c = this.controls;
    const end = (fn: () => void) => {
      if (fault.durationMs !== undefined) this.later(fault.durationMs, fn);
    };
    switch (fault.kind) {
      case 'crash':
        c.crash(fault.durationMs ?? 1000).catch((e) => c.onFaultError(fault, e));
        return;
      case 'latency': {
        const before = c.currentLatency();
        c.setLatency(fault.latency);
        end(() => {
          if (c.currentLatency() === fault.latency) c.setLatency(before);
        });
        return;
      }
      case 'declines': {
        const before = c.currentDeclines();
        c.setDeclineShare(fault.share, fault.code);
        end(() => {
          const now = c.currentDeclines();
          if (now.share === fault.share) c.setDeclineShare(before.share, before.code);
        });
        return;
      }
      default: {
        const before = c.currentMaintenance();
        c.maintenance(fault.kind);
        end(() => {
          if (c.currentMaintenance() === fault.kind) c.maintenance(before);
        });
      }
    }
  }
}
