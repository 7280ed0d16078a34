import { watch } from 'node:fs';
import { relative } from 'node:path';
import { startReceiver } from '../inbound/index.ts';
import { publishNewest, publishWeek, refreshSite } from '../publish/index.ts';
import { inZone, startSchedules, type Schedules } from '../schedule.ts';
import { describeListen } from '../listen.ts';
import { createServer } from '../web/index.ts';
import type { CommandContext } from './context.ts';

// In-flight SMTP transactions get this long to finish after a stop is asked for.
const STOP_GRACE_MS = 30_000;

/**
 * `paperboy start`, the main job: the web server, the daily and weekly schedules, and the newest
 * digest published at once if it never was. SIGTERM / SIGINT stop it cleanly: no new work, the
 * messages on their way finish (for a while), the ledger stays consistent, exit 0.
 */
export async function startCommand(ctx: CommandContext): Promise<number> {
  const app = ctx.app({ server: true });
  const { config, log } = app;
  const stopping = new AbortController();
  const jobs = app.jobs(stopping.signal);
  let schedules: Schedules | undefined;
  const server = await createServer(app.web(() => schedules?.nextDaily() ?? null));
  await server.listen({ port: config.port, host: config.host });
  const address = describeListen(server.server.address());

  // The web follows the digests folder as soon as a file lands; mail waits for the schedule.
  let refresh: NodeJS.Timeout | undefined;
  const watcher = watch(config.digestsDir, { recursive: true }, () => {
    clearTimeout(refresh);
    refresh = setTimeout(() => void refreshSite(jobs).catch((error: unknown) => log.error('build failed', { error: (error as Error).message })), 300);
  });
  watcher.on('error', (error) => log.warn('not watching the digests folder', { error: error.message }));

  const receiver =
    config.inboundPort === undefined
      ? undefined
      : await startReceiver(app.subscriptions, log, { port: config.inboundPort, host: config.host }, { deliveries: app.ledger.rounds, onOutcome: (outcome) => app.metrics.inbound(outcome) });

  schedules = startSchedules(
    { daily: config.schedule, weekly: config.weeklySchedule, timeZone: config.timeZone },
    { daily: () => publishNewest(jobs), weekly: () => publishWeek(jobs) },
    log,
  );
  const out = relative(ctx.cwd, config.outDir) || '.';
  ctx.output.out(
    [
      `paperboy is running`,
      `  web:      ${config.siteUrl} (listening on ${address})`,
      `  mail:     ${config.smtpUrl ? `SMTP ${new URL(config.smtpUrl).host}` : `written to ${out}/outbox/ (set PAPERBOY_SMTP_URL to send)`}`,
      `  daily:    ${config.schedule}, next at ${inZone(schedules.nextDaily(), config.timeZone)}`,
      `  weekly:   ${config.weeklySchedule}, next at ${inZone(schedules.nextWeekly(), config.timeZone)}`,
      `  site:     ${out}/ (feeds in ${out}/feeds/)`,
      ...(receiver ? [`  inbound:  SMTP for ${config.from}, listening on ${receiver.address}`] : []),
    ].join('\n'),
  );
  log.info('started', { web: address, schedule: config.schedule, timeZone: config.timeZone });

  // The newest digest goes out at once if it never did (or an unfinished dispatch resumes), like any tick.
  const first = schedules.runNow('daily').then((outcome) => {
    if (outcome !== undefined) ctx.output.out(`first run: ${outcome}`);
  });

  await ctx.stopped();
  log.info('stopping');
  stopping.abort();
  watcher.close();
  clearTimeout(refresh);
  const grace = new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
  await Promise.race([Promise.all([schedules.stop(), first]), grace]);
  await server.close();
  await receiver?.close();
  log.info('stopped');
  return 0;
}
