import { describeDispatch } from '../commands/dispatch.ts';
import { Publications } from '../deliver/publications.ts';
import { findDigests, loadDigest, type Digest, type Paper } from '../digest/index.ts';
import { join } from 'node:path';
import { renderEmail } from '../render/email.ts';
import { loadTemplates } from '../render/_templates.ts';
import { issueView, type Site } from '../render/_view.ts';
import type { App } from './app.ts';
import { mail } from './publish.ts';

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

/**
 * The weekly job: one email to weekly subscribers gathering the past seven days' issues, each
 * paper once, with their topic filter applied (as in the daily email, one message per set of papers).
 */
export async function publishWeek(app: App): Promise<string> {
  const week = weekOf(app.now());
  const id = `week-${week.to}`;
  const publications = new Publications(app.db);
  if (publications.get(id)) return `${id} was already published`;
  const files = (await findDigests(app.config.digestsDir)).filter((f) => f.date >= week.from && f.date <= week.to);
  const papers = gatherWeek(await Promise.all(files.map((f) => loadDigest(f.path))), week);
  if (papers.length === 0) {
    publications.record(id, false, 'no papers this week', app.now());
    return `${id}: no papers this week, nothing mailed`;
  }
  const site: Site = { url: app.config.siteUrl, title: app.config.title, language: 'en' };
  const templates = await loadTemplates(join(app.root, 'templates'));
  const render = (digest: Digest) => renderEmail(issueView(digest, site, { week: { label: week.label } }), templates);
  const digest: Digest = { date: week.to, papers, warnings: [] };
  const email = await render(digest);
  const summary = await mail(app, { digest, html: email.html, text: email.text, id, label: week.label }, 'weekly', id, render);
  if (summary === 'busy') return 'a dispatch is already running';
  if (summary.stopped) return `${id}: stopped (${summary.stopped}); the next weekly tick resumes it`;
  publications.record(id, true, describeDispatch(summary), app.now());
  return describeDispatch(summary);
}
