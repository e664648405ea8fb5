// Prometheus metrics on a private registry: Toxiproxy's byte counters (kept current while bytes flow, not only at
// link end) and posfault's own connection, toxic and line-fault series.
import { Counter, Gauge, Registry } from 'prom-client';

/** Per-link byte counts, added to the counters at each scrape and when the link closes (no per-chunk work). */
export interface ByteFlow {
  received: number;
  sent: number;
  readonly labels: { direction: string; proxy: string; listener: string; upstream: string };
}

// Flows are kept per registry, so that the counters' collect() sees every server sharing that registry.
const flowsByRegistry = new WeakMap<Registry, Set<ByteFlow>>();

export class ProxyMetrics {
  private readonly flows: Set<ByteFlow>;
  private readonly received: Counter<string>;
  private readonly sent: Counter<string>;
  readonly connectionsTotal: Counter<string>;
  readonly connectionsOpen: Gauge<string>;
  readonly toxics: Gauge<string>;
  readonly bytesCorrupted: Counter<string>;
  readonly lineEvents: Counter<string>;

  constructor(readonly registry: Registry) {
    let flows = flowsByRegistry.get(registry);
    if (!flows) flowsByRegistry.set(registry, (flows = new Set()));
    this.flows = flows;
    const flushReceived = () => this.flushAll('received');
    const flushSent = () => this.flushAll('sent');
    const byteLabels = ['direction', 'proxy', 'listener', 'upstream'];
    this.received = this.counter('toxiproxy_proxy_received_bytes_total', 'Bytes read by a link from its source (updated while bytes flow).', byteLabels, flushReceived);
    this.sent = this.counter('toxiproxy_proxy_sent_bytes_total', 'Bytes written by a link to its destination (updated while bytes flow).', byteLabels, flushSent);
    this.connectionsTotal = this.counter('posfault_proxy_connections_total', 'Client connections accepted by the proxy.', ['proxy']);
    this.connectionsOpen = this.gauge('posfault_proxy_connections_open', 'Client connections currently open through the proxy.', ['proxy']);
    this.toxics = this.gauge('posfault_proxy_toxics', 'Toxics configured, by proxy, type and stream.', ['proxy', 'type', 'stream']);
    this.bytesCorrupted = this.counter('posfault_proxy_bytes_corrupted_total', 'Bytes altered by line noise.', ['proxy', 'direction']);
    this.lineEvents = this.counter('posfault_proxy_line_events_total', 'POS line faults: busy, no_dial_tone, carrier_drop.', ['proxy', 'event']);
  }

  openFlow(labels: ByteFlow['labels']): ByteFlow {
    const flow: ByteFlow = { received: 0, sent: 0, labels };
    this.flows.add(flow);
    return flow;
  }

  closeFlow(flow: ByteFlow): void {
    if (!this.flows.delete(flow)) return;
    this.flush(flow, 'received');
    this.flush(flow, 'sent');
  }

  private flushAll(which: 'received' | 'sent'): void {
    for (const flow of this.flows) this.flush(flow, which);
  }

  private flush(flow: ByteFlow, which: 'received' | 'sent'): void {
    const n = flow[which];
    if (n === 0) return;
    flow[which] = 0;
    (which === 'received' ? this.received : this.sent).inc(flow.labels, n);
  }

  // Two servers may share one registry (tests, or a runner passing its own): reuse a metric already there.
  private counter(name: string, help: string, labelNames: string[], collect?: () => void): Counter<string> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Counter<string>;
    return new Counter({ name, help, labelNames, registers: [this.registry], ...(collect ? { collect } : {}) });
  }

  private gauge(name: string, help: string, labelNames: string[]): Gauge<string> {
    const existing = this.registry.getSingleMetric(name);
    if (existing) return existing as Gauge<string>;
    return new Gauge({ name, help, labelNames, registers: [this.registry] });
  }
}
