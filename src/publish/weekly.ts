import { describeDispatch } from '../deliver/index.ts';
import type { Digest, Paper } from '../digest/index.ts';
import type { IssueToSend } from '../site/index.ts';
import type { PublishContext } from './context.ts';
import { mail } from './daily.ts';

const DAY = 86_400_000;

function short(date: string): string {
  return new Date(`${date}T00:00:00Z`).toLocaleDateString('en-US', { month: 'short', day: 'numeric', timeZone: 'UTC' });
}

/** The week that ends on `today` (inclusive), as dates, and its label. */
export function weekOf(today: Date): { from: string; to: string; label: string } {
  const to = today.toISOString().slice(0, 10);
  const from = new Date(today.getTime() - 6 * DAY).toISOString().slice(0, 10);
  return { from, to, label: `Week of ${short(from)} – ${short(to)}, ${to.slice(0, 4)}` };
}

/** The papers of the week's digests, oldest issue first, each paper once (by arXiv id). */
export function gatherWeek(digests: readonly Digest[], week: { from: string; to: string }): Paper[] {
  const seen = new Set<string>();
  const papers: Paper[] = [];
  for (const digest of [...digests].sort((a, b) => a.date.localeCompare(b.date))) {
    if (digest.date < week.from || digest.date > week.to) continue;
    for (const paper of digest.papers) {
      if (seen.has(paper.arxivId)) continue;
      seen.add(paper.arxivId);
      papers.push(paper);
    }
  }
  return papers;
}

/** The weekly issue of the week that ends on `today` (`week-YYYY-MM-DD`), or undefined when the week has no papers. */
export async function composeWeek(ctx: Pick<PublishContext, 'builder'>, today: Date): Promise<IssueToSend | undefined> {
  const week = weekOf(today);
  const papers = gatherWeek(await ctx.builder.digests(), week);
  if (papers.length === 0) return undefined;
  const digest: Digest = { date: week.to, papers, warnings: [] };
  return ctx.builder.compose(digest, { week: { label: week.label } }, `week-${week.to}`, week.label);
}

/**
 * The weekly job: one email to weekly subscribers gathering the past seven days' issues, each
 * paper once, with their topic filter applied (as in the daily email, one message per set of papers).
 */
export async function publishWeek(ctx: PublishContext): Promise<string> {
  const week = weekOf(ctx.now());
  const id = `week-${week.to}`;
  const { publications } = ctx.ledger;
  if (await publications.get(id)) return `${id} was already published`;
  const issue = await composeWeek(ctx, ctx.now());
  if (issue === undefined) {
    await publications.record(id, false, 'no papers this week', ctx.now());
    return `${id}: no papers this week, nothing mailed`;
  }
  const summary = await mail(ctx, issue, 'weekly');
  if (summary === 'busy') return 'a dispatch is already running';
  if (summary.stopped) return `${id}: stopped (${summary.stopped}); the next weekly tick resumes it`;
  await publications.record(id, true, describeDispatch(summary), ctx.now());
  return describeDispatch(summary);
}
