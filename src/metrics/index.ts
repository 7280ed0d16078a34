import { Counter, Gauge, Registry } from 'prom-client';

/** What the metrics read from the program's state when they are scraped. */
export interface MetricsSource {
  subscribersByStatus(): Record<string, number>;
  deliveriesByStatus(): Record<string, number>;
  /** History events by kind since the start (bounces, complaints…). */
  eventsByKind(): Record<string, number>;
  /** The last dispatch round: how long it took, in seconds, if it finished. */
  lastDispatchSeconds(): number | undefined;
  /** When the last issue was published, if one was. */
  lastPublication(): Date | undefined;
}

/** The program's metrics: read from its state when scraped, and counted as requests and messages come. */
export interface Metrics {
  /** Counts an HTTP request by route and status. */
  request(route: string, status: number): void;
  /** Counts a message the inbound receiver acted on, by what it did. */
  inbound(outcome: string): void;
  /** The metrics in Prometheus's text format, and its content type. */
  render(): Promise<{ contentType: string; text: string }>;
}

// A gauge whose values are read from `values` at each scrape, one series per key.
function gaugeOf(registry: Registry, name: string, help: string, label: string, values: () => Record<string, number>): void {
  new Gauge({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, value] of Object.entries(values())) this.set({ [label]: key }, value);
    },
  });
}

/** Metrics over a source, in a registry of their own (prom-client). */
export function createMetrics(source: MetricsSource): Metrics {
  const registry = new Registry();
  gaugeOf(registry, 'paperboy_subscribers', 'Subscribers by status.', 'status', () => source.subscribersByStatus());
  gaugeOf(registry, 'paperboy_deliveries', 'Deliveries in the ledger by outcome (queued, sent, skipped, failed, doubt).', 'outcome', () => source.deliveriesByStatus());
  const events = () => source.eventsByKind();
  gaugeOf(registry, 'paperboy_bounces', 'Bounces counted against subscribers (hard and soft), since the list began.', 'kind', () => ({ hard: events()['hard-bounce'] ?? 0, soft: events()['soft-bounce'] ?? 0 }));
  new Gauge({ name: 'paperboy_complaints', help: 'Spam complaints received, since the list began.', registers: [registry], collect() { this.set(events().complaint ?? 0); } });
  new Gauge({ name: 'paperboy_last_dispatch_duration_seconds', help: 'How long the last finished dispatch took.', registers: [registry], collect() { this.set(source.lastDispatchSeconds() ?? 0); } });
  new Gauge({ name: 'paperboy_last_publication_timestamp_seconds', help: 'When the last issue was published (Unix time).', registers: [registry], collect() { this.set((source.lastPublication()?.getTime() ?? 0) / 1000); } });
  const requests = new Counter({ name: 'paperboy_http_requests_total', help: 'HTTP requests by route and status.', labelNames: ['route', 'status'], registers: [registry] });
  const inbound = new Counter({ name: 'paperboy_inbound_messages_total', help: 'Messages the inbound receiver acted on, by outcome.', labelNames: ['outcome'], registers: [registry] });
  return {
    request: (route, status) => requests.inc({ route, status: String(status) }),
    inbound: (outcome) => inbound.inc({ outcome }),
    async render() {
      return { contentType: registry.contentType, text: await registry.metrics() };
    },
  };
}
