// The switch's Prometheus metrics (names posfault_switch_*, few labels: MTI and response code at most).
import { Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';

export interface SwitchMetrics {
  registry: Registry;
  requests: Counter<'mti'>;
  responses: Counter<'mti' | 'code'>;
  inFlight: Gauge;
  linesInUse: Gauge;
  linesRefused: Counter;
  frameErrors: Counter<'reason'>;
  dropped: Counter<'reason'>;
  issuerRequests: Counter<'mti'>;
  issuerTimeouts: Counter;
  safDepth: Gauge;
  safRetries: Counter;
  safAcknowledged: Counter;
  latency: Histogram<'mti'>;
  issuerLatency: Histogram;
}

/** The MTIs the switch serves and answers; any other is labelled 'other', so that garbage cannot grow the label set. */
const LABELLED_MTIS = new Set(['0800', '0810', '0200', '0210', '0220', '0230', '0400', '0410', '0500', '0510', '0320', '0330']);

export function mtiLabel(mti: string): string {
  return LABELLED_MTIS.has(mti) ? mti : 'other';
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function reuse<T extends Metric<string>>(registry: Registry, name: string, make: () => T): T {
  const existing = registry.getSingleMetric(name);
  return (existing as T | undefined) ?? make();
}

/** Registers the switch's metrics in `registry` (a new one when absent); reuses them when already registered. */
export function createSwitchMetrics(registry: Registry = new Registry()): SwitchMetrics {
  const registers = [registry];
  return {
    registry,
    requests: reuse(registry, 'posfault_switch_requests_total', () => new Counter({
      name: 'posfault_switch_requests_total', help: 'Terminal requests decoded, by MTI', labelNames: ['mti'], registers,
    })),
    responses: reuse(registry, 'posfault_switch_responses_total', () => new Counter({
      name: 'posfault_switch_responses_total', help: 'Responses sent to terminals, by MTI and field 39', labelNames: ['mti', 'code'], registers,
    })),
    inFlight: reuse(registry, 'posfault_switch_in_flight', () => new Gauge({
      name: 'posfault_switch_in_flight', help: 'Terminal requests being processed', registers,
    })),
    linesInUse: reuse(registry, 'posfault_switch_lines_in_use', () => new Gauge({
      name: 'posfault_switch_lines_in_use', help: 'Terminal connections open', registers,
    })),
    linesRefused: reuse(registry, 'posfault_switch_lines_refused_total', () => new Counter({
      name: 'posfault_switch_lines_refused_total', help: 'Terminal connections refused because every line was busy', registers,
    })),
    frameErrors: reuse(registry, 'posfault_switch_frame_errors_total', () => new Counter({
      name: 'posfault_switch_frame_errors_total', help: 'Terminal frames that could not be read or decoded', labelNames: ['reason'], registers,
    })),
    dropped: reuse(registry, 'posfault_switch_dropped_total', () => new Counter({
      name: 'posfault_switch_dropped_total', help: 'Terminal requests dropped without an answer', labelNames: ['reason'], registers,
    })),
    issuerRequests: reuse(registry, 'posfault_switch_issuer_requests_total', () => new Counter({
      name: 'posfault_switch_issuer_requests_total', help: 'Messages sent to the issuer, by MTI', labelNames: ['mti'], registers,
    })),
    issuerTimeouts: reuse(registry, 'posfault_switch_issuer_timeouts_total', () => new Counter({
      name: 'posfault_switch_issuer_timeouts_total', help: 'Issuer requests not answered in time (or lost with the link)', registers,
    })),
    safDepth: reuse(registry, 'posfault_switch_saf_queue_depth', () => new Gauge({
      name: 'posfault_switch_saf_queue_depth', help: 'Reversals waiting in the store-and-forward queue', registers,
    })),
    safRetries: reuse(registry, 'posfault_switch_saf_retries_total', () => new Counter({
      name: 'posfault_switch_saf_retries_total', help: 'Store-and-forward repeats (0421) sent', registers,
    })),
    safAcknowledged: reuse(registry, 'posfault_switch_saf_acknowledged_total', () => new Counter({
      name: 'posfault_switch_saf_acknowledged_total', help: 'Store-and-forward reversals acknowledged by the issuer', registers,
    })),
    latency: reuse(registry, 'posfault_switch_request_duration_seconds', () => new Histogram({
      name: 'posfault_switch_request_duration_seconds', help: 'Terminal request to response, by request MTI', labelNames: ['mti'], buckets: LATENCY_BUCKETS, registers,
    })),
    issuerLatency: reuse(registry, 'posfault_switch_issuer_duration_seconds', () => new Histogram({
      name: 'posfault_switch_issuer_duration_seconds', help: 'Issuer request to response (answered requests only)', buckets: LATENCY_BUCKETS, registers,
    })),
  };
}
