import { createRequire } from 'node:module';
import type { Registry } from 'prom-client';

// prom-client (CommonJS), required when metrics are made (a server): every other command goes without it.
let promClient: typeof import('prom-client') | undefined;
const prom = () => (promClient ??= createRequire(import.meta.url)('prom-client') as typeof import('prom-client'));

/** What the metrics read from the program's state when they are scraped. */
export interface MetricsSource {
  subscribersByStatus(): Promise<Record<string, number>>;
  deliveriesByStatus(): Promise<Record<string, number>>;
  /** History events by kind since the start (bounces, complaints…). */
  eventsByKind(): Promise<Record<string, number>>;
  /** The last dispatch round: how long it took, in seconds, if it finished. */
  lastDispatchSeconds(): Promise<number | undefined>;
  /** When the last issue was published, if one was. */
  lastPublication(): Promise<Date | undefined>;
  /** The most recent dispatch rounds: their deliveries by status, and what came back after each. */
  recentRounds(): Promise<RecentRound[]>;
  /** The rounds that did not finish: still running, or stopped. */
  unfinishedRounds(): Promise<UnfinishedRound[]>;
  /** When the daily schedule last came due (null if not in the last week). */
  publicationDue(): Date | null;
  /** Inbound messages waiting to be acted on, and those set aside because they could not be. */
  inboundSpool(): Promise<{ waiting: number; setAside: number }>;
  /** Webhook deliveries still waiting for their receiver's 2xx. */
  webhookEventsPending(): Promise<number>;
}

/** A recent dispatch round, as the metrics show it. */
export interface RecentRound {
  issue: string;
  round: number;
  deliveries: Record<string, number>;
  /** Bounce reports and spam complaints, each counted for the last message sent to that reader before it. */
  bounced: number;
  complained: number;
}

/** A round that did not finish, as the metrics show it. */
export interface UnfinishedRound {
  issue: string;
  round: number;
  running: boolean;
  queued: number;
  /** When it last moved. */
  progressAt: Date;
}

/** The program's metrics: read from its state when scraped, and counted as requests and messages come. */
export interface Metrics {
  /** Counts an HTTP request by route and status. */
  request(route: string, status: number): void;
  /** Counts a message the inbound receiver acted on, by what it did. */
  inbound(outcome: string): void;
  /** Counts a webhook request that failed (no 2xx in time). */
  webhookFailure(): void;
  /** The metrics in Prometheus's text format, and its content type. */
  render(): Promise<{ contentType: string; text: string }>;
}

// A gauge whose values are read from `values` at each scrape, one series per key.
function gaugeOf(registry: Registry, name: string, help: string, label: string, values: () => Promise<Record<string, number>>): void {
  new (prom().Gauge)({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    async collect() {
      const read = await values();
      this.reset();
      for (const [key, value] of Object.entries(read)) this.set({ [label]: key }, value);
    },
  });
}

// A gauge of one value, read at each scrape.
function singleGauge(registry: Registry, name: string, help: string, value: () => Promise<number>): void {
  new (prom().Gauge)({
    name,
    help,
    registers: [registry],
    async collect() {
      this.set(await value());
    },
  });
}

type Sample = { labels: Record<string, string>; value: number };

// A gauge whose series are read at each scrape, any number of labels each.
function seriesOf(registry: Registry, name: string, help: string, labelNames: string[], read: () => Sample[] | Promise<Sample[]>): void {
  new (prom().Gauge)({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      const samples = await read();
      this.reset();
      for (const { labels, value } of samples) this.set(labels, value);
    },
  });
}

/** Readings that several series of one scrape share: each is made once per scrape, then forgotten. */
class Readings {
  readonly #made = new Map<() => unknown, unknown>();
  /** What `read` gives, read once until the scrape ends. */
  of<T>(read: () => T): T {
    if (!this.#made.has(read)) this.#made.set(read, read());
    return this.#made.get(read) as T;
  }
  /** Ends the scrape: the next one reads again. */
  forget(): void {
    this.#made.clear();
  }
}

// The labels of one round: the issue (a date, or `week-…`) and its round.
const roundLabels = (r: { issue: string; round: number }) => ({ issue: r.issue, round: String(r.round) });

// The series of dispatches: each recent round's deliveries and aftermath (read once per scrape), and each round that did not finish.
function roundMetrics(registry: Registry, source: MetricsSource, readings: Readings): void {
  const recent = () => readings.of(source.recentRounds);
  const byStatus = ['issue', 'round', 'status'];
  seriesOf(registry, 'paperboy_issue_deliveries', 'Deliveries of each recent dispatch round, by status.', byStatus, async () =>
    (await recent()).flatMap((r) =>
      Object.entries(r.deliveries).map(([status, value]) => ({ labels: { ...roundLabels(r), status }, value })),
    ),
  );
  const after = (key: 'bounced' | 'complained') => async () => (await recent()).map((r) => ({ labels: roundLabels(r), value: r[key] }));
  const help = (what: string) =>
    `${what} about each recent dispatch round, each counted for the last message sent to that reader before it.`;
  seriesOf(registry, 'paperboy_issue_bounces', help('Bounce reports (hard and soft)'), ['issue', 'round'], after('bounced'));
  seriesOf(registry, 'paperboy_issue_complaints', help('Spam complaints'), ['issue', 'round'], after('complained'));
  const unfinished = async () =>
    (await readings.of(source.unfinishedRounds)).map((r) => ({
      r,
      labels: { ...roundLabels(r), state: r.running ? 'running' : 'stopped' },
    }));
  const byState = ['issue', 'round', 'state'];
  const queuedHelp = 'Deliveries left queued in each round that did not finish, running or stopped.';
  seriesOf(registry, 'paperboy_dispatch_queued', queuedHelp, byState, async () =>
    (await unfinished()).map(({ r, labels }) => ({ labels, value: r.queued })),
  );
  const progressHelp = 'When each round that did not finish last moved (Unix time).';
  seriesOf(registry, 'paperboy_dispatch_progress_timestamp_seconds', progressHelp, byState, async () =>
    (await unfinished()).map(({ r, labels }) => ({ labels, value: r.progressAt.getTime() / 1000 })),
  );
}

/** Metrics over a source, in a registry of their own (prom-client). */
export function createMetrics(source: MetricsSource): Metrics {
  const registry = new (prom().Registry)();
  const readings = new Readings();
  gaugeOf(registry, 'paperboy_subscribers', 'Subscribers by status.', 'status', () => source.subscribersByStatus());
  gaugeOf(registry, 'paperboy_deliveries', 'Deliveries in the ledger by outcome (queued, sent, skipped, failed, doubt).', 'outcome', () =>
    source.deliveriesByStatus(),
  );
  const events = () => readings.of(source.eventsByKind);
  gaugeOf(registry, 'paperboy_bounces', 'Bounces counted against subscribers (hard and soft), since the list began.', 'kind', async () => {
    const counted = await events();
    return { hard: counted['hard-bounce'] ?? 0, soft: counted['soft-bounce'] ?? 0 };
  });
  singleGauge(
    registry,
    'paperboy_complaints',
    'Spam complaints received, since the list began.',
    async () => (await events()).complaint ?? 0,
  );
  singleGauge(registry, 'paperboy_last_dispatch_duration_seconds', 'How long the last finished dispatch took.', async () => {
    return (await source.lastDispatchSeconds()) ?? 0;
  });
  singleGauge(registry, 'paperboy_last_publication_timestamp_seconds', 'When the last issue was published (Unix time).', async () => {
    return ((await source.lastPublication())?.getTime() ?? 0) / 1000;
  });
  roundMetrics(registry, source, readings);
  new (prom().Gauge)({
    name: 'paperboy_publication_due_timestamp_seconds',
    help: 'When the daily schedule last came due (Unix time; 0 if not in the last week).',
    registers: [registry],
    collect() {
      this.set((source.publicationDue()?.getTime() ?? 0) / 1000);
    },
  });
  seriesOf(registry, 'paperboy_inbound_waiting', 'Inbound messages taken and waiting to be acted on.', [], async () => [
    { labels: {}, value: (await readings.of(source.inboundSpool)).waiting },
  ]);
  const asideHelp = 'Inbound messages that could not be acted on, set aside for the operator.';
  seriesOf(registry, 'paperboy_inbound_set_aside', asideHelp, [], async () => [
    { labels: {}, value: (await readings.of(source.inboundSpool)).setAside },
  ]);
  const requests = new (prom().Counter)({
    name: 'paperboy_http_requests_total',
    help: 'HTTP requests by route and status.',
    labelNames: ['route', 'status'],
    registers: [registry],
  });
  singleGauge(registry, 'paperboy_webhook_events_pending', 'Webhook events not yet delivered (one per event and receiver).', () =>
    source.webhookEventsPending(),
  );
  const webhookFailures = new (prom().Counter)({
    name: 'paperboy_webhook_delivery_failures_total',
    help: 'Webhook requests that failed (no 2xx in time).',
    registers: [registry],
  });
  const inbound = new (prom().Counter)({
    name: 'paperboy_inbound_messages_total',
    help: 'Messages the inbound receiver acted on, by outcome.',
    labelNames: ['outcome'],
    registers: [registry],
  });
  return {
    request: (route, status) => requests.inc({ route, status: String(status) }),
    inbound: (outcome) => inbound.inc({ outcome }),
    webhookFailure: () => webhookFailures.inc(),
    async render() {
      try {
        return { contentType: registry.contentType, text: await registry.metrics() };
      } finally {
        readings.forget();
      }
    },
  };
}
