import { describeDispatch, dispatchIssue, type DispatchSummary } from '../deliver/index.ts';
import { LockedError } from '../ledger/index.ts';
import { commandHint } from '../hints.ts';
import { siteUrls } from '../render/index.ts';
import type { IssueToSend } from '../site/index.ts';
import type { PublishContext } from './context.ts';
import { decidePublication, recordMailed, recordWithheld } from './decision.ts';
import { notifyHub } from './websub.ts';

/** Brings the site up to date (incremental), and tells the WebSub hub when a feed changed. */
export async function refreshSite(ctx: PublishContext): Promise<void> {
  const report = await ctx.builder.build({ all: true });
  for (const skipped of ctx.builder.skipped()) ctx.log.warn('digest skipped', { path: skipped.path, why: skipped.why });
  if (report.written.length > 0) ctx.log.info('site updated', { files: report.written.length, newest: report.newest });
  const hub = ctx.config.websubHub;
  if (hub && report.written.some((path) => path.startsWith('feeds/'))) {
    const { feeds } = siteUrls(ctx.config.site);
    await notifyHub(hub, [feeds.rss, feeds.atom, feeds.json], ctx.log);
  }
}

/** Mails an issue to its cadence's subscribers; a dispatch already running makes this a skip, not an error. */
export async function mail(ctx: PublishContext, issue: IssueToSend, cadence: 'daily' | 'weekly'): Promise<DispatchSummary | 'busy'> {
  try {
    const summary = await dispatchIssue(issue, { ...ctx.dispatch(), signal: ctx.signal }, { cadence });
    if (summary.stopped)
      ctx.log.warn('dispatch stopped', { issue: issue.id, reason: summary.stopped, sent: summary.sent, queued: summary.queued });
    else
      ctx.log.info('dispatched', {
        issue: issue.id,
        sent: summary.sent,
        skipped: summary.skipped,
        failed: summary.failed,
        seconds: Number(summary.seconds.toFixed(2)),
      });
    return summary;
  } catch (error) {
    if (!(error instanceof LockedError)) throw error;
    ctx.log.warn('tick skipped', { issue: issue.id, reason: error.message });
    return 'busy';
  }
}

/**
 * The daily job: bring the site up to date, then publish the newest digest if it never was, by the
 * rule `decidePublication` holds. An empty digest is on the web but neither in the feeds nor mailed; one
 * older than PAPERBOY_MAX_LATENESS is on the web but not mailed; a dispatch that stops is resumed
 * at the next tick.
 */
export async function publishNewest(ctx: PublishContext): Promise<string> {
  await refreshSite(ctx);
  const newest = (await ctx.builder.digests()).at(-1);
  if (!newest) return 'no digests yet';
  const date = newest.date;
  const verdict = await decidePublication(ctx.ledger, newest, ctx.config, ctx.now());
  const fresh = verdict.kind === 'mail' && verdict.published === undefined && (await ctx.ledger.rounds.latestRound(date)) === undefined;
  const settling = fresh ? await ctx.settlesAt?.(date) : undefined;
  if (settling !== undefined) {
    ctx.log.info('waiting to mail', { issue: date, until: settling.toISOString(), reason: 'changed upstream recently' });
    return `${date} changed upstream recently: on the web, mailed once unchanged until ${settling.toISOString()}`;
  }
  if (verdict.kind === 'mail') {
    const summary = await mail(ctx, await ctx.builder.issue(date), 'daily');
    if (summary === 'busy') return 'a dispatch is already running';
    if (summary.stopped) return `${date}: stopped (${summary.stopped}); the next tick resumes it`;
    await recordMailed(ctx.ledger, summary, ctx.now());
    return describeDispatch(summary);
  }
  const already = `${date} was already published`;
  if (verdict.kind === 'sent' || verdict.kind === 'published') return already;
  if (!(await recordWithheld(ctx.ledger, date, verdict, ctx.now()))) return already;
  if (verdict.kind === 'empty') {
    ctx.log.info('published', { issue: date, mailed: false, reason: 'empty digest' });
    return `${date} is empty: published on the web, not mailed`;
  }
  ctx.log.info('published', { issue: date, mailed: false, reason: `older than ${ctx.config.maxLateness}` });
  const run = (args: string) => commandHint(ctx.config.invocation, args);
  return (
    `${date} is ${verdict.days} days old: published on the web, not mailed; to see its email, run ${run(`preview --date ${date}`)} ` +
    `(or ${run(`dispatch --date ${date} --dry-run --force`)}, which writes it to out/outbox/)`
  );
}
