import { dispatchContext, describeDispatch, lateness, loadIssue } from '../commands/dispatch.ts';
import { dispatchIssue, type DispatchContext, type DispatchSummary, type IssueToSend } from '../deliver/dispatch.ts';
import { LockedError } from '../deliver/lock.ts';
import { Publications } from '../deliver/publications.ts';
import { findDigests } from '../digest/index.ts';
import { siteUrls } from '../render/_view.ts';
import type { App } from './app.ts';
import { notifyHub } from './websub.ts';

/** Brings the site up to date (incremental), and tells the WebSub hub when a feed changed. */
export async function refreshSite(app: App): Promise<void> {
  const report = await app.builder.build({ all: true });
  if (report.written.length > 0) app.log.info('site updated', { files: report.written.length, newest: report.newest });
  const hub = app.config.websubHub;
  if (hub && report.written.some((path) => path.startsWith('feeds/'))) {
    const { feeds } = siteUrls({ url: app.config.siteUrl, title: app.config.title, language: 'en' });
    await notifyHub(hub, [feeds.rss, feeds.atom, feeds.json], app.log);
  }
}

/** Mails an issue to its cadence's subscribers; a dispatch already running makes this a skip, not an error. */
export async function mail(app: App, issue: IssueToSend, cadence: 'daily' | 'weekly', label: string, renderVariant?: DispatchContext['renderVariant']): Promise<DispatchSummary | 'busy'> {
  const ctx = dispatchContext(app.config, app.root, app.db, app.transport);
  try {
    const summary = await dispatchIssue(issue, { ...ctx, ...(renderVariant ? { renderVariant } : {}), signal: app.signal }, { cadence });
    if (summary.stopped) app.log.warn('dispatch stopped', { issue: label, reason: summary.stopped, sent: summary.sent, queued: summary.queued });
    else app.log.info('dispatched', { issue: label, sent: summary.sent, skipped: summary.skipped, failed: summary.failed, seconds: Number(summary.seconds.toFixed(2)) });
    return summary;
  } catch (error) {
    if (!(error instanceof LockedError)) throw error;
    app.log.warn('tick skipped', { issue: label, reason: error.message });
    return 'busy';
  }
}

/**
 * The daily job: bring the site up to date, then publish the newest digest if it never was. An
 * empty digest is archived and in the feeds but not mailed; one older than PAPERBOY_MAX_LATENESS is
 * on the web but not mailed; a dispatch that stops is resumed at the next tick.
 */
export async function publishNewest(app: App): Promise<string> {
  await refreshSite(app);
  const newest = (await findDigests(app.config.digestsDir)).at(-1);
  if (!newest) return 'no digests yet';
  const publications = new Publications(app.db);
  if (publications.get(newest.date)) return `${newest.date} was already published`;
  const issue = await loadIssue(app.config, app.root, newest.date, app.builder);
  if (issue.digest.papers.length === 0) {
    publications.record(newest.date, false, 'empty digest: archived and in the feeds, not mailed', app.now());
    app.log.info('published', { issue: newest.date, mailed: false, reason: 'empty digest' });
    return `${newest.date} is empty: published on the web, not mailed`;
  }
  const age = lateness(app.config, newest.date, app.now());
  if (age.late) {
    publications.record(newest.date, false, `${age.days} days old: on the web, not mailed (dispatch --force mails it)`, app.now());
    app.log.info('published', { issue: newest.date, mailed: false, reason: `older than ${app.config.maxLateness}` });
    return `${newest.date} is ${age.days} days old: published on the web, not mailed`;
  }
  const summary = await mail(app, issue, 'daily', newest.date);
  if (summary === 'busy') return 'a dispatch is already running';
  if (summary.stopped) return `${newest.date}: stopped (${summary.stopped}); the next tick resumes it`;
  publications.record(newest.date, true, describeDispatch(summary), app.now());
  return describeDispatch(summary);
}
