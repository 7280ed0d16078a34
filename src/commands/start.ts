import { watch, type FSWatcher } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { relative } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { App } from '../app.ts';
import type { Config } from '../config.ts';
import { PaperboyError } from '../errors.ts';
import { fileProblem } from '../files.ts';
import { startReceiver, type Receiver } from '../inbound/index.ts';
import { LockedError, type Lock } from '../ledger/index.ts';
import { publishNewest, publishWeek, refreshSite, runWorker } from '../publish/index.ts';
import { inZone, startRepeating, startSchedules, type Repeating, type Schedules } from '../schedule.ts';
import { describeListen, listenError } from '../listen.ts';
import { createServer } from '../web/index.ts';
import type { CommandContext } from './context.ts';

// What a message on its way gets beyond its SMTP timeouts to settle once a stop is asked for.
const STOP_MARGIN_MS = 10_000;

// How long a message on its way may still take once a stop is asked for: the longest pause before
// a retry, then one attempt to its SMTP timeout. The database stays open until then.
function settleMs(config: Config): number {
  const longestPause = config.smtpAttempts > 1 ? config.smtpRetryMs * 2 ** (config.smtpAttempts - 2) : 0;
  return longestPause + config.smtpTimeoutMs + STOP_MARGIN_MS;
}

/**
 * A scheduled job run on one machine only: every machine of a shared database fires the same ticks,
 * and the one that takes the ledger's `schedule` lock runs the job; the others do only their own part
 * of it (`meanwhile`: their site), leave the rest of that tick to it, and go on sending what it opens.
 */
function onOneMachine(app: App, job: () => Promise<string>, meanwhile?: () => Promise<void>): () => Promise<string> {
  return async () => {
    let lock: Lock;
    try {
      lock = await app.ledger.acquire('schedule');
    } catch (error) {
      if (!(error instanceof LockedError)) throw error;
      await meanwhile?.();
      const holder = await app.ledger.holder('schedule');
      return `left to ${holder === undefined ? 'another process' : `process ${holder.pid} on ${holder.host}`}, which runs this tick`;
    }
    try {
      return await job();
    } finally {
      await lock.release();
    }
  };
}

/** What `start` runs besides the schedules. */
interface Parts {
  server: FastifyInstance;
  /** Where the web server really listens. */
  address: string;
  watcher: FSWatcher;
  receiver: Receiver | undefined;
}

// The web server, the digests folder's watcher and the inbound receiver, in that order; when one
// cannot start, those started before it are closed again, so nothing keeps the process alive.
async function startParts(app: App, nextDaily: () => Date | null, onChange: () => void): Promise<Parts> {
  const { config } = app;
  const closers: (() => unknown)[] = [];
  try {
    const server = await createServer(app.web(nextDaily));
    closers.push(() => server.close());
    await server.listen({ port: config.port, host: config.host }).catch((error: unknown) => {
      throw listenError('PAPERBOY_PORT', config.port, config.host, error);
    });
    let watcher: FSWatcher;
    try {
      watcher = watch(config.digestsDir, { recursive: true }, onChange);
    } catch (error) {
      throw new PaperboyError(`PAPERBOY_DIGESTS_DIR: ${config.digestsDir}: ${fileProblem(error, 'folder')}`, { cause: error });
    }
    closers.push(() => watcher.close());
    watcher.on('error', (error) => app.log.warn('not watching the digests folder', { error: error.message }));
    const inbound = config.inboundPort === undefined ? undefined : { port: config.inboundPort, host: config.host };
    const receiver =
      inbound === undefined
        ? undefined
        : await startReceiver(app.subscriptions, app.log, inbound, {
            dataDir: app.config.dataDir,
            trusted: app.config.inboundTrusted,
            deliveries: app.ledger.rounds,
            onOutcome: (outcome) => app.metrics.inbound(outcome),
          }).catch((error: unknown) => {
            throw listenError('PAPERBOY_INBOUND_PORT', inbound.port, inbound.host, error);
          });
    return { server, address: describeListen(server.server.address()), watcher, receiver };
  } catch (error) {
    for (const close of closers.reverse()) await close();
    throw error;
  }
}

/**
 * `paperboy start`, the main job: the web server, the daily and weekly schedules, and the newest
 * digest published at once if it never was. SIGTERM / SIGINT stop it cleanly: no new work, the
 * messages on their way finish (as long as their SMTP timeout and retries allow), the ledger stays consistent, exit 0.
 */
export async function startCommand(ctx: CommandContext): Promise<number> {
  // A stop asked while starting is kept: what started is closed again, and nothing more is begun.
  let stopAsked = false;
  const stopped = ctx.stopped().then(() => void (stopAsked = true));
  const app = ctx.app({ server: true, sends: true });
  const { config, log } = app;
  const stopping = new AbortController();
  const base = app.jobs(stopping.signal);
  // A daily run that found the newest digest still settling upstream is run again after the next sync.
  let waiting = false;
  const jobs = {
    ...base,
    settlesAt: async (day: string) => {
      const at = await base.settlesAt?.(day);
      if (at !== undefined) waiting = true;
      return at;
    },
  };
  let schedules: Schedules | undefined;
  // With a source, the digests folder is paperboy's to fill: it is made if missing.
  if (app.source !== undefined) await mkdir(config.digestsDir, { recursive: true });
  // The web follows the digests folder as soon as a file lands; mail waits for the schedule.
  let refresh: NodeJS.Timeout | undefined;
  const { server, address, watcher, receiver } = await startParts(
    app,
    () => schedules?.nextDaily() ?? null,
    () => {
      clearTimeout(refresh);
      refresh = setTimeout(
        () => void refreshSite(jobs).catch((error: unknown) => log.error('build failed', { error: (error as Error).message })),
        300,
      );
    },
  );

  const webhooks = app.deliverWebhooks();
  schedules = startSchedules(
    { daily: config.schedule, weekly: config.weeklySchedule, timeZone: config.timeZone },
    {
      daily: onOneMachine(
        app,
        () => publishNewest(jobs),
        () => refreshSite(jobs),
      ),
      weekly: onOneMachine(app, () => publishWeek(jobs)),
    },
    log,
  );
  // The source is fetched at start and on its schedule; what it brings is on the web at once. A source
  // that cannot be reached is a warning: the site and mail go on from what is here.
  const source = app.source;
  const syncOnce = async () => {
    if (source === undefined) return;
    try {
      const report = await source.sync();
      for (const skipped of report.skipped) log.warn('digest not taken', { problem: skipped });
      if (report.added.length + report.changed.length > 0) {
        log.info('synced', { source: source.spec, revision: report.revision, added: report.added, changed: report.changed });
        await refreshSite(jobs).catch((error: unknown) => log.error('build failed', { error: (error as Error).message }));
      }
    } catch (error) {
      const last = (await app.sourceRecords.state(source.spec))?.goodAt ?? 'never';
      log.warn('sync failed; going on with the digests here', { error: (error as Error).message, lastGoodSync: last });
    }
    if (waiting && !stopping.signal.aborted) {
      waiting = false;
      await schedules?.runNow('daily');
    }
  };
  const syncing: Repeating | undefined = source && startRepeating('sync', config.syncSchedule, config.timeZone, syncOnce);
  if (syncing && !stopAsked) await syncing.runNow();
  const out = relative(ctx.cwd, config.outDir) || '.';
  ctx.output.out(
    [
      `paperboy is running`,
      `  web:      ${config.siteUrl} (listening on ${address})`,
      ...(config.databaseUrl !== undefined
        ? [`  sending:  ${config.send ? 'the rounds of the shared database, beside any worker' : 'left to workers (PAPERBOY_SEND=0)'}`]
        : []),
      `  mail:     ${config.smtpUrl ? `SMTP ${new URL(config.smtpUrl).host}` : `written to ${out}/outbox/ (set PAPERBOY_SMTP_URL to send)`}`,
      `  daily:    ${config.schedule}, next at ${inZone(schedules.nextDaily(), config.timeZone)}`,
      `  weekly:   ${config.weeklySchedule}, next at ${inZone(schedules.nextWeekly(), config.timeZone)}`,
      ...(syncing && source
        ? [`  source:   ${source.spec}, synced ${config.syncSchedule}, next at ${inZone(syncing.next(), config.timeZone)}`]
        : []),
      `  site:     ${out}/ (feeds in ${out}/feeds/)`,
      ...(receiver ? [`  inbound:  SMTP for ${config.from}, listening on ${receiver.address}`] : []),
      ...(webhooks ? [`  webhooks: ${config.webhooks.urls.length} ${config.webhooks.urls.length === 1 ? 'receiver' : 'receivers'}`] : []),
    ].join('\n'),
  );
  log.info('started', { web: address, schedule: config.schedule, timeZone: config.timeZone });

  // Over a shared database, this instance also sends the rounds any instance opened (unless PAPERBOY_SEND=0).
  const working =
    config.databaseUrl !== undefined && config.send && !stopAsked
      ? runWorker(jobs).catch((error: unknown) => log.error('sending stopped', { error: (error as Error).message }))
      : undefined;
  // The newest digest goes out at once if it never did (or an unfinished dispatch resumes), like any tick.
  const first = stopAsked
    ? Promise.resolve()
    : schedules.runNow('daily').then((outcome) => {
        if (outcome !== undefined) ctx.output.out(`first run: ${outcome}`);
      });

  await stopped;
  log.info('stopping');
  stopping.abort();
  watcher.close();
  clearTimeout(refresh);
  // The database closes when this returns: a send still in flight must have settled by then.
  const graceMs = settleMs(config);
  const grace = new Promise<'late'>((resolve) => setTimeout(() => resolve('late'), graceMs).unref());
  if ((await Promise.race([Promise.all([schedules.stop(), syncing?.stop(), first, working]), grace])) === 'late') {
    log.warn('stopping with a dispatch still under way; the next start resumes it', { waitedMs: graceMs });
  }
  await server.close();
  await receiver?.close();
  // Last: the events the dispatch's end wrote are tried until then; the next start tries the rest at once.
  await webhooks?.stop();
  log.info('stopped');
  return 0;
}
