// posfault_issuer_* metrics. Reuses a metric already on the registry (a restarted or second issuer in one process).
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface IssuerMetrics {
  registry: Registry;
  requests: Counter<'mti' | 'code'>;
  latency: Histogram<'mti'>;
  ledgerEntries: Gauge;
  fsync: Histogram;
  fsyncBatch: Histogram;
  rejectedFrames: Counter<'reason'>;
  connections: Gauge;
}

function getOrCreate<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export function createIssuerMetrics(registry: Registry = new Registry()): IssuerMetrics {
  const registers = [registry];
  return {
    registry,
    requests: getOrCreate(registry, 'posfault_issuer_requests_total', () =>
      new Counter({ name: 'posfault_issuer_requests_total', help: 'Requests answered by the issuer, by request MTI and response code', labelNames: ['mti', 'code'] as const, registers })),
    latency: getOrCreate(registry, 'posfault_issuer_response_seconds', () =>
      new Histogram({
        name: 'posfault_issuer_response_seconds',
        help: 'Time from a request frame arriving to its response being written (latency faults and journal fsync included)',
        labelNames: ['mti'] as const,
        buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers,
      })),
    ledgerEntries: getOrCreate(registry, 'posfault_issuer_ledger_entries', () =>
      new Gauge({ name: 'posfault_issuer_ledger_entries', help: 'Entries in the issuer ledger (committed to the journal)', registers })),
    fsync: getOrCreate(registry, 'posfault_issuer_journal_fsync_seconds', () =>
      new Histogram({
        name: 'posfault_issuer_journal_fsync_seconds',
        help: 'Duration of one journal group commit (write + fdatasync)',
        buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
        registers,
      })),
    fsyncBatch: getOrCreate(registry, 'posfault_issuer_journal_batch_entries', () =>
      new Histogram({ name: 'posfault_issuer_journal_batch_entries', help: 'Ledger entries covered by one journal fsync', buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000], registers })),
    rejectedFrames: getOrCreate(registry, 'posfault_issuer_rejected_frames_total', () =>
      new Counter({ name: 'posfault_issuer_rejected_frames_total', help: 'Frames the issuer could not serve, by reason', labelNames: ['reason'] as const, registers })),
    connections: getOrCreate(registry, 'posfault_issuer_connections', () =>
      new Gauge({ name: 'posfault_issuer_connections', help: 'Open connections to the issuer', registers })),
  };
}
