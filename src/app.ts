import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './config.ts';
import {
  databaseExists,
  emptyDatabase,
  openDatabase,
  openedOnUse,
  openPostgres,
  serverAddressOf,
  sqliteSql,
  WebhookEvents,
  type Sql,
} from './db/index.ts';
import {
  composeNotice,
  createDkimSigner,
  fileTransport,
  messageFingerprint,
  type Claiming,
  removeMessagesTo,
  signingTransport,
  smtpTransport,
  type DispatchContext,
  type Transport,
} from './deliver/index.ts';
import { readSigningKeys } from './deliverability/index.ts';
import { createLibrary, type DigestLibrary } from './digest/index.ts';
import { openLedger, SourceRecords, type IssueLedger } from './ledger/index.ts';
import { forgetSetAside, spoolCounts } from './inbound/index.ts';
import { createMetrics, type Metrics, type RecentRound } from './metrics/index.ts';
import { silentLogger, type Logger } from './log.ts';
import { displayDate, siteUrls, templateSource, type TemplateSource } from './render/index.ts';
import { collectReport, renderReport, type ReportData } from './report/index.ts';
import { dueTimes } from './schedule.ts';
import { createBuilder, type Builder } from './site/index.ts';
import { createSource, settlesAt, syncHealth, type DigestSource } from './source/index.ts';
import type { PublishContext } from './publish/index.ts';
import { loadSecret, SubscriberStore, Suppressions, type PrivacyContext, type SubscriptionContext } from './subscribers/index.ts';
import { topicsOf, type WebContext } from './web/index.ts';
import type { ApiContext } from './api/index.ts';
import { readStatus } from './status.ts';
import { startWebhookDelivery, webhookRecorder, type DeliveryTiming, type WebhookDelivery } from './webhooks/index.ts';

/** The project's folder: the templates are found from here (src/ or dist/ sit in it). */
export const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What opening the program may be told besides the settings. */
export interface AppOptions {
  /** Where `templates/` is; the project's folder by default. */
  root?: string;
  log?: Logger;
  now?: () => Date;
  /**
   * How long a database statement may block for a lock another process holds. A server gives 0:
   * its writes then wait without blocking, so pages and feeds never wait on the database.
   */
  busyTimeoutMs?: number;
  /** Only reading: where there is no list yet, an empty one in memory stands in, and nothing is created. */
  readOnly?: boolean;
  /** The program sends mail: the DKIM keys are read at once, so a bad key stops it before it starts. */
  sends?: boolean;
  /**
   * The program only sends (`paperboy worker`): on PostgreSQL its writes (each delivery's outcome)
   * are committed without waiting for the server's disk; a crash of the server may make it send the
   * messages of its last moment again, never lose one.
   */
  onlySends?: boolean;
  /** The program stays up (a server): its builder makes ahead what a coming day's build needs. */
  foresee?: boolean;
  /** What webhook requests are made with (the platform's fetch by default). */
  fetch?: typeof globalThis.fetch;
  /** The webhook delivery loop's pace, when not the default. */
  webhookTiming?: Partial<DeliveryTiming>;
}

/**
 * The program's parts, made once from the settings: the one composition root. The database, the
 * secret and the transport are opened on first use, so a command that needs none of them creates
 * nothing; everything opened is closed by `close`.
 */
export interface App {
  readonly config: Config;
  readonly log: Logger;
  readonly now: () => Date;
  readonly templates: TemplateSource;
  readonly library: DigestLibrary;
  readonly builder: Builder;
  /** The database the state is kept in. */
  readonly sql: Sql;
  readonly store: SubscriberStore;
  /** Addresses that no import or operator may put back (complaints, erasures). */
  readonly suppressions: Suppressions;
  readonly ledger: IssueLedger;
  /** Where the digest files came from, and how the source's syncs went. */
  readonly sourceRecords: SourceRecords;
  /** Where digests are fetched from; undefined when the digests folder is its own source. */
  readonly source: DigestSource | undefined;
  readonly secret: string;
  /** Where mail goes: the SMTP relay, or `.eml` files in out/outbox/ until one is set. */
  readonly transport: Transport;
  /** A subscriber's data, to download or erase. */
  readonly privacy: PrivacyContext;
  /** The subscription flows (double opt-in, unsubscribe requests), sending through the transport. */
  readonly subscriptions: SubscriptionContext;
  /** `.eml` files in out/outbox/, whatever the settings say (dry runs). */
  outbox(): Transport;
  /** What a dispatch through `transport` works with. */
  dispatchContext(transport?: Transport): DispatchContext;
  /** The metrics, read from the state when scraped. */
  readonly metrics: Metrics;
  /** The webhook events waiting to be delivered (none are written while no receiver is set). */
  readonly webhookEvents: WebhookEvents;
  /** Starts delivering webhook events, when receivers are set; `close` stops it. */
  deliverWebhooks(): WebhookDelivery | undefined;
  /** What the web server works with; `nextRun` says when the daily job runs next. */
  web(nextRun?: () => Date | null): WebContext;
  /** What the scheduled jobs work with; `signal` tells them to stop taking work. */
  jobs(signal: AbortSignal): PublishContext;
  /** The figures of the report of the last `days` days, read from the list and the ledger. */
  report(days: number): Promise<ReportData>;
  close(): Promise<void>;
}

// The dispatch rounds the metrics show one by one, newest last: as many as `status` weighs complaints over.
const RECENT_ROUNDS = 10;

// How long work waits, without blocking, while another process holds the database's write lock: a
// request (a page, an inbound message) not long; a job (a dispatch, a publication, webhooks) longer.
const REQUEST_WAIT_MS = 2_000;
const JOB_WAIT_MS = 30_000;

// This process among every sender of a shared database: its host, its pid, and a part of its own.
const senderId = `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;

/** The program's version (package.json beside src/ and dist/). */
export function programVersion(): string {
  return (JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;
}

// A value made on first use, and only then.
function once<T>(make: () => T): () => T {
  let made: { value: T } | undefined;
  return () => (made ??= { value: make() }).value;
}

/** Opens the program's parts from the settings. */
export function openApp(config: Config, options: AppOptions = {}): App {
  const now = options.now ?? (() => new Date());
  const log = options.log ?? silentLogger;
  const templates = templateSource(config.templatesDir ?? join(options.root ?? projectRoot, 'templates'));
  const library = createLibrary(config.digestsDir);
  const builder = createBuilder({
    library,
    outDir: config.outDir,
    templates,
    site: config.site,
    hub: config.websubHub,
    repeats: config.repeats,
    foresee: options.foresee === true,
  });
  const opened: { sql?: Sql; transports: Transport[]; deliveries: WebhookDelivery[] } = { transports: [], deliveries: [] };
  // The list and the ledger: on a PostgreSQL server (one pool, opened by the first statement), else
  // in the SQLite file, with one connection whose jobs' face waits longer for another process's lock.
  const { sql, jobSql } =
    config.databaseUrl === undefined
      ? sqliteFaces(config, options, opened)
      : postgresFaces(config.databaseUrl, log, opened, options.onlySends === true);
  const webhookEvents = once(() => new WebhookEvents(jobSql(), now));
  // Events are written only while someone is there to receive them.
  const recorder = once(() => (config.webhooks.urls.length === 0 ? undefined : webhookRecorder(config.webhooks, webhookEvents(), now)));
  const store = once(() => new SubscriberStore(sql(), now, recorder()?.subscribers));
  // The list as a dispatch writes to it (bounces, deliveries): with a job's patience.
  const jobStore = once(() => new SubscriberStore(jobSql(), now, recorder()?.subscribers));
  const ledger = once(() => openLedger(jobSql(), now, recorder()?.ledger));
  const sourceRecords = once(() => new SourceRecords(jobSql()));
  const source = once(() =>
    createSource(config.source, {
      digestsDir: config.digestsDir,
      dataDir: config.dataDir,
      records: sourceRecords(),
      now,
      maxLatenessMs: config.maxLatenessMs,
    }),
  );
  const secret = once(() => loadSecret(config.dataDir, config.secret));
  const suppressions = once(() => new Suppressions(sql(), secret(), now));
  const track = (transport: Transport) => {
    opened.transports.push(transport);
    return transport;
  };
  // Every message leaves signed when keys are set, whichever way it goes: signing is the last step.
  // The key files are read once, here, on first need.
  const keys = once(() => readSigningKeys(config.dkim, config.invocation));
  const signer = once(() => (keys().length === 0 ? undefined : createDkimSigner(keys())));
  if (options.sends) keys();
  const signed = (transport: Transport) => {
    const dkim = signer();
    return dkim === undefined ? transport : signingTransport(transport, dkim);
  };
  const outboxDir = join(config.outDir, 'outbox');
  const outbox = () => track(signed(fileTransport(outboxDir)));
  const transport = once(() =>
    config.smtpUrl === undefined
      ? outbox()
      : track(
          signed(
            smtpTransport(config.smtpUrl, {
              connections: config.smtpConnections,
              // Over a shared database the relay's rate is kept by every sender together (by claims), not per process.
              rate: config.databaseUrl === undefined ? config.smtpRate : 0,
              timeoutMs: config.smtpTimeoutMs,
              name: config.smtpName,
            }),
          ),
        ),
  );
  const subscriptions = once<SubscriptionContext>(() => ({
    store: store(),
    suppressions: suppressions(),
    templates,
    secret: secret(),
    site: config.site,
    sender: config.sender,
    now,
    send: async (notice) => {
      await transport().send(await composeNotice(config.sender, notice));
    },
    latestIssue: async () => {
      const newest = (await builder.digests()).at(-1);
      return newest && { webUrl: siteUrls(config.site).issue(newest.date), displayDate: displayDate(newest.date) };
    },
  }));

  const metrics = once(() =>
    createMetrics({
      subscribersByStatus: () => store().counts(),
      deliveriesByStatus: () => ledger().rounds.totals(),
      eventsByKind: () => store().eventCounts(''),
      lastDispatchSeconds: async () => {
        const round = await ledger().rounds.lastRound();
        return round?.finishedAt ? (Date.parse(round.finishedAt) - Date.parse(round.startedAt)) / 1000 : undefined;
      },
      lastPublication: async () => {
        const last = await ledger().publications.last();
        return last ? new Date(last.publishedAt) : undefined;
      },
      recentRounds: async () => {
        const rounds = (await ledger().rounds.recent(RECENT_ROUNDS)).reverse();
        const after = await ledger().aftermath(rounds);
        const recent: RecentRound[] = [];
        for (const [i, r] of rounds.entries()) {
          const deliveries = await ledger().rounds.tally(r.issue, r.round);
          recent.push({
            issue: r.issue,
            round: r.round,
            deliveries,
            bounced: after[i]?.bounced ?? 0,
            complained: after[i]?.complained ?? 0,
          });
        }
        return recent;
      },
      unfinishedRounds: async () =>
        (await ledger().unfinished()).map(({ round: r, running, queued, progressAt }) => ({
          ...r,
          running,
          queued,
          progressAt: new Date(progressAt),
        })),
      publicationDue: (() => {
        const due = dueTimes(config.schedule, config.timeZone);
        return () => due(now());
      })(),
      inboundSpool: () => spoolCounts(config.dataDir),
      webhookEventsPending: () => webhookEvents().pending(),
    }),
  );
  const deliverWebhooks = (): WebhookDelivery | undefined => {
    if (config.webhooks.urls.length === 0) return undefined;
    const delivery = startWebhookDelivery({
      queue: webhookEvents(),
      settings: config.webhooks,
      fetch: options.fetch ?? globalThis.fetch,
      now,
      log,
      onFailure: () => metrics().webhookFailure(),
      timing: options.webhookTiming,
    });
    opened.deliveries.push(delivery);
    return delivery;
  };
  const health = (nextRun: () => Date | null) => async () => {
    await store().count();
    const last = await ledger().publications.last();
    const sync = await syncHealth(config.source, sourceRecords(), now());
    return {
      lastPublication: last ? { issue: last.issue, at: last.publishedAt } : null,
      nextRun: nextRun()?.toISOString() ?? null,
      ...(sync
        ? { sync: { lastGoodSync: sync.lastGoodSync, secondsSinceGoodSync: sync.secondsSinceGoodSync, problem: sync.problem } }
        : {}),
    };
  };
  const privacy = once<PrivacyContext>(() => ({
    store: store(),
    suppressions: suppressions(),
    deliveriesOf: (id) => ledger().rounds.deliveriesOf(id),
    // Dry runs and the file transport leave messages in the outbox whatever the transport is now;
    // the receiver sets aside, in the data folder, the messages it could not act on.
    forgetMail: async (email) => (await removeMessagesTo(outboxDir, email)) + (await forgetSetAside(config.dataDir, email)),
  }));
  const jobs = (signal: AbortSignal): PublishContext => ({
    config,
    builder,
    ledger: ledger(),
    dispatch: (through) => dispatchContext(through),
    log,
    signal,
    now,
    settlesAt: async (day) => (config.source.kind === 'folder' ? undefined : settlesAt(sourceRecords(), day, config.syncSettleMs, now())),
  });
  const report = (days: number) => collectReport({ store: store(), ledger: ledger() }, { days, now: now(), title: config.title });
  const api = (token: string): ApiContext => ({
    token,
    rate: 120,
    allowReservedAddresses: config.allowReservedAddresses,
    topics: () => topicsOf(library),
    subscriptions: subscriptions(),
    suppressions: suppressions(),
    privacy: privacy(),
    ledger: ledger(),
    status: () =>
      readStatus({
        config,
        sql: sql(),
        store: store(),
        ledger: ledger(),
        webhookEvents: webhookEvents(),
        sourceRecords: sourceRecords(),
        now,
      }),
    dispatching: jobs,
    report: async (days) => renderReport(await report(days)),
    outbox,
    log,
  });
  // Rounds are sent by claims: over a shared ledger (PostgreSQL) by this process and any worker, the
  // relay's rate and the domains' kept by all of them together; over SQLite by the dispatch alone,
  // whose transport keeps the relay's rate.
  const claiming = once<Claiming>(() => {
    const shared = config.databaseUrl !== undefined;
    return {
      shared,
      lease: { owner: senderId, leaseMs: config.sendLeaseMs, heartbeatMs: Math.max(100, Math.floor(config.sendLeaseMs / 3)) },
      fingerprint: (issue) =>
        messageFingerprint(issue, {
          version: programVersion(),
          templatesDir: config.templatesDir ?? join(options.root ?? projectRoot, 'templates'),
          settings: { sender: config.sender, site: config.site, dkim: config.dkim, repeats: config.repeats },
        }),
      sends: !shared || config.send,
      rates: !shared
        ? []
        : [
            ...(config.smtpRate > 0 ? [{ name: 'relay', perSecond: config.smtpRate, domains: [] }] : []),
            ...config.domainRates.map((r) => ({ name: `domains ${r.domains.join(',')}`, perSecond: r.perSecond, domains: r.domains })),
          ],
    };
  });
  const dispatchContext = (through = transport()): DispatchContext => ({
    claiming: claiming(),
    ledger: ledger(),
    store: jobStore(),
    transport: through,
    secret: secret(),
    site: config.site,
    sender: config.sender,
    parallel: config.smtpUrl === undefined ? 8 : config.smtpConnections * 2,
    retry: { attempts: config.smtpAttempts, delayMs: config.smtpRetryMs },
    now,
  });

  return {
    config,
    log,
    now,
    templates,
    library,
    builder,
    get sql() {
      return sql();
    },
    get store() {
      return store();
    },
    get ledger() {
      return ledger();
    },
    get sourceRecords() {
      return sourceRecords();
    },
    get source() {
      return source();
    },
    get suppressions() {
      return suppressions();
    },
    get secret() {
      return secret();
    },
    get transport() {
      return transport();
    },
    get subscriptions() {
      return subscriptions();
    },
    get privacy() {
      return privacy();
    },
    outbox,
    dispatchContext,
    get metrics() {
      return metrics();
    },
    get webhookEvents() {
      return webhookEvents();
    },
    deliverWebhooks,
    web: (nextRun = () => null) => ({
      site: config.site,
      outDir: config.outDir,
      secret: secret(),
      store: store(),
      templates,
      library,
      subscriptions: subscriptions(),
      privacy: privacy(),
      subscribeRate: 10,
      health: health(nextRun),
      metrics: metrics(),
      metricsToken: config.metricsToken,
      log,
      trustProxy: config.trustProxy,
      allowReservedAddresses: config.allowReservedAddresses,
      now,
      api: config.adminToken === undefined ? undefined : api(config.adminToken),
    }),
    jobs,
    report,
    async close() {
      await builder.close();
      await Promise.all(opened.deliveries.map((d) => d.stop()));
      await Promise.all(opened.transports.map((t) => t.close()));
      await opened.sql?.close();
    },
  };
}

type Opened = { sql?: Sql };

// The SQLite file under the data folder (an empty one in memory for a reader where none exists yet).
function sqliteFaces(config: Config, options: AppOptions, opened: Opened): { sql: () => Sql; jobSql: () => Sql } {
  const db = once(() => {
    if (options.readOnly && !databaseExists(config.dataDir)) return emptyDatabase();
    return openDatabase(config.dataDir, options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs });
  });
  const sql = once(() => (opened.sql = sqliteSql(db(), { waitMs: REQUEST_WAIT_MS })));
  const jobSql = once(() => {
    sql();
    return sqliteSql(db(), { waitMs: JOB_WAIT_MS });
  });
  return { sql, jobSql };
}

// The PostgreSQL server the URL names: one pool for everything, connected and migrated by the first statement.
function postgresFaces(url: string, log: Logger, opened: Opened, onlySends: boolean): { sql: () => Sql; jobSql: () => Sql } {
  const name = serverAddressOf(url)?.name ?? 'PAPERBOY_DATABASE_URL';
  const sql = once(
    () =>
      (opened.sql = openedOnUse(name, 'postgres', () =>
        openPostgres(url, { onIdleError: (error) => log.warn('database connection lost', { error }), asynchronousCommit: onlySends }),
      )),
  );
  return { sql, jobSql: sql };
}
