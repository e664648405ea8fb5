// The fleet's and the printers' own counts on the run's Registry. harness/terminal has no registry hook; it offers
// stats(), read here at each scrape. These are the components' accounts of themselves: useful to watch a fault
// take effect (busy dials, bad MACs, reprints), never used for a headline figure.
import { Counter, Gauge, type Registry } from 'prom-client';

/** The part of the fleet's stats() read here (harness/terminal FleetStats). */
export interface FleetStatsView {
  dials: number;
  dialFailures: Record<string, number>;
  lateResponses: number;
  badFrames: number;
  signOns: number;
  signOnFailures: number;
  badResponseMacs: number;
  reprints: number;
  inFlight: number;
  openLines: number;
}

export function registerFleetMetrics(registry: Registry, stats: () => FleetStatsView, receipts: () => Readonly<Record<string, number>>): void {
  const registers = [registry];
  const read = stats;
  // Counters that follow a running total: each scrape adds what grew since the last one.
  const follow = (name: string, help: string, value: (s: FleetStatsView) => number) => {
    let seen = 0;
    new Counter({
      name,
      help,
      registers,
      collect() {
        const now = value(read());
        if (now > seen) this.inc(now - seen);
        seen = Math.max(seen, now);
      },
    });
  };
  follow('posfault_fleet_dials_total', 'Calls the dial-up terminals placed (fleet self-report)', (s) => s.dials);
  follow('posfault_fleet_late_responses_total', 'Responses that came after the terminal had given up (fleet self-report)', (s) => s.lateResponses);
  follow('posfault_fleet_bad_frames_total', 'Frames the terminals could not decode (fleet self-report)', (s) => s.badFrames);
  follow('posfault_fleet_sign_ons_total', 'Sign-ons the terminals completed (fleet self-report)', (s) => s.signOns);
  follow('posfault_fleet_sign_on_failures_total', 'Sign-ons that failed (fleet self-report)', (s) => s.signOnFailures);
  follow('posfault_fleet_bad_response_macs_total', 'Approvals whose MAC did not verify at the terminal (fleet self-report)', (s) => s.badResponseMacs);
  follow('posfault_fleet_reprints_total', 'Receipts the terminals reprinted (fleet self-report)', (s) => s.reprints);
  const seenFailures = new Map<string, number>();
  new Counter({
    name: 'posfault_fleet_dial_failures_total',
    help: 'Calls that failed, by reason: line-busy, no-dial-tone, connect-timeout (fleet self-report)',
    labelNames: ['reason'],
    registers,
    collect() {
      for (const [reason, now] of Object.entries(read().dialFailures)) {
        const before = seenFailures.get(reason) ?? 0;
        this.inc({ reason }, Math.max(0, now - before));
        seenFailures.set(reason, Math.max(before, now));
      }
    },
  });
  new Gauge({ name: 'posfault_fleet_terminals_busy', help: 'Terminals working on a transaction now', registers, collect() { this.set(read().inFlight); } });
  new Gauge({ name: 'posfault_fleet_lines_open', help: 'Connections the terminals hold open now', registers, collect() { this.set(read().openLines); } });
  const seenReceipts = new Map<string, number>();
  new Counter({
    name: 'posfault_printer_receipts_total',
    help: 'Receipts by what the printer sink answered: printed, not-printed, unknown',
    labelNames: ['result'],
    registers,
    collect() {
      for (const [result, now] of Object.entries(receipts())) {
        const before = seenReceipts.get(result) ?? 0;
        this.inc({ result }, Math.max(0, now - before));
        seenReceipts.set(result, Math.max(before, now));
      }
    },
  });
}
