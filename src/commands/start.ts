import { watch } from 'node:fs';
import { relative } from 'node:path';
import type { Config } from '../config.ts';
import { createLogger } from '../log.ts';
import { openApp } from '../publish/app.ts';
import { publishNewest, refreshSite } from '../publish/publish.ts';
import { publishWeek } from '../publish/weekly.ts';
import { inZone, startSchedules } from '../schedule.ts';
import type { WebContext } from '../web/_context.ts';
import { createSiteData } from '../web/_site-data.ts';
import { createServer } from '../web/server.ts';
import { startReceiver } from '../inbound/receiver.ts';
import { loadTemplates, type Templates } from '../render/_templates.ts';
import { join } from 'node:path';
import type { Output } from './_output.ts';

// In-flight SMTP transactions get this long to finish after a stop is asked for.
const STOP_GRACE_MS = 30_000;

/**
 * `paperboy start`, the main job: the web server, the daily and weekly schedules, and the newest
 * digest published at once if it never was. SIGTERM / SIGINT stop it cleanly: no new work, the
 * messages on their way finish (for a while), the ledger stays consistent, exit 0.
 */
export async function startCommand(config: Config, root: string, output: Output): Promise<number> {
  const log = createLogger(config.logLevel, (line) => process.stderr.write(line));
  const stopping = new AbortController();
  const app = openApp(config, root, log, stopping.signal);

  let compiled: Templates | undefined;
  const templates = async () => (compiled = await loadTemplates(join(root, 'templates'), compiled));
  const site = { url: config.siteUrl, title: config.title, language: 'en' };
  const web: WebContext = {
    site,
    outDir: config.outDir,
    secret: app.secret,
    store: app.store,
    templates,
    siteData: createSiteData(config.digestsDir),
    subscriptions: async () => ({ db: app.db, store: app.store, transport: app.transport, templates: await templates(), secret: app.secret, site, from: config.from }),
    subscribeRate: 10,
  };
  const server = await createServer(web);
  const address = await server.listen({ port: config.port, host: '0.0.0.0' });

  // The web follows the digests folder as soon as a file lands; mail waits for the schedule.
  let refresh: NodeJS.Timeout | undefined;
  const watcher = watch(config.digestsDir, { recursive: true }, () => {
    clearTimeout(refresh);
    refresh = setTimeout(() => void refreshSite(app).catch((error: unknown) => log.error('build failed', { error: (error as Error).message })), 300);
  });
  watcher.on('error', (error) => log.warn('not watching the digests folder', { error: error.message }));

  const receiver =
    config.inboundPort === undefined ? undefined : await startReceiver(web.subscriptions, config.from, config.inboundPort, log);

  const schedules = startSchedules(
    { daily: config.schedule, weekly: config.weeklySchedule, timeZone: config.timeZone },
    { daily: () => publishNewest(app), weekly: () => publishWeek(app) },
    log,
  );
  const out = relative(process.cwd(), config.outDir) || '.';
  output.out(
    [
      `paperboy is running`,
      `  web:      ${config.siteUrl} (listening on ${address.replace('0.0.0.0', 'localhost')})`,
      `  mail:     ${config.smtpUrl ? `SMTP ${new URL(config.smtpUrl).host}` : `written to ${out}/outbox/ (set PAPERBOY_SMTP_URL to send)`}`,
      `  daily:    ${config.schedule}, next at ${inZone(schedules.nextDaily(), config.timeZone)}`,
      `  weekly:   ${config.weeklySchedule}, next at ${inZone(schedules.nextWeekly(), config.timeZone)}`,
      `  site:     ${out}/ (feeds in ${out}/feeds/)`,
      ...(receiver ? [`  inbound:  SMTP on port ${receiver.port} for ${config.from}`] : []),
    ].join('\n'),
  );
  log.info('started', { web: address, schedule: config.schedule, timeZone: config.timeZone });

  // The newest digest goes out at once if it never did (or an unfinished dispatch resumes), like any tick.
  const first = schedules.runNow('daily');

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  log.info('stopping');
  stopping.abort();
  watcher.close();
  clearTimeout(refresh);
  const grace = new Promise((resolve) => setTimeout(resolve, STOP_GRACE_MS).unref());
  await Promise.race([Promise.all([schedules.stop(), first]), grace]);
  await server.close();
  await receiver?.close();
  await app.transport.close();
  app.db.close();
  log.info('stopped');
  return 0;
}
