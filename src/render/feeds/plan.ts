import type { Digest } from '../../digest/index.ts';
import { plainText } from '../inline.ts';
import { slugify } from '../view.ts';

/**
 * How many issues the site feeds carry (and each of their archive documents), and papers each topic
 * feed. The current site feed carries between FEED_ISSUES and twice as many less one: archive
 * documents are cut in fixed pages from the oldest issue, and only a full page is archived.
 */
export const FEED_ISSUES = 30;
export const FEED_TAG_PAPERS = 50;

/** One feed channel to render: the site's, or a topic's, and the issues and papers it carries. */
export interface FeedPlan {
  /** Where its files go: `feeds` for the site, `feeds/tags/<slug>` for a topic. */
  base: string;
  /** The topic's name; undefined for the site feed. */
  tag: string | undefined;
  /** The issues it carries (site) or takes papers from (topic), newest first. */
  dates: string[];
  /** For a topic: its papers, newest first, each from the issue where it first appeared. */
  papers: { date: string; arxivId: string }[];
  /**
   * For the site feed, its place in the RFC 5005 chain: the archive page it is (none for the
   * current feed), and the pages before and after it.
   */
  history?: { page?: number; previous?: number; next?: number };
}

/** The base path of the site feed's archive page `n` (1 holds the oldest issues). */
export function archiveBase(page: number): string {
  return `feeds/archive/${page}`;
}

// The current site feed and its archive pages: pages of FEED_ISSUES issues cut from the oldest, so a
// page never changes once full; the current feed holds the rest (at least FEED_ISSUES when it can).
function sitePlans(newestFirst: readonly string[]): FeedPlan[] {
  const oldestFirst = [...newestFirst].reverse();
  const pages = Math.max(0, Math.floor((oldestFirst.length - FEED_ISSUES) / FEED_ISSUES));
  const current: FeedPlan = { base: 'feeds', tag: undefined, dates: oldestFirst.slice(pages * FEED_ISSUES).reverse(), papers: [], history: pages > 0 ? { previous: pages } : {} };
  const archives = Array.from({ length: pages }, (_, i): FeedPlan => {
    const page = i + 1;
    const dates = oldestFirst.slice(i * FEED_ISSUES, page * FEED_ISSUES).reverse();
    return { base: archiveBase(page), tag: undefined, dates, papers: [], history: { page, ...(page > 1 ? { previous: page - 1 } : {}), ...(page < pages ? { next: page + 1 } : {}) } };
  });
  return [current, ...archives];
}

/**
 * Plans every channel from the digests alone, so that a build renders only the channels whose
 * issues changed. The site feed carries the newest issues, its archive pages the older ones; a topic feed the newest papers with that
 * tag, a paper that reappears in a later digest keeping the entry of its first appearance.
 */
export function planFeeds(digests: readonly Digest[]): FeedPlan[] {
  const newestFirst = [...digests].sort((a, b) => b.date.localeCompare(a.date));
  const plans: FeedPlan[] = sitePlans(newestFirst.map((d) => d.date));
  const firstSeen = new Map<string, string>();
  for (const digest of [...newestFirst].reverse()) {
    for (const paper of digest.papers) if (!firstSeen.has(paper.arxivId)) firstSeen.set(paper.arxivId, digest.date);
  }
  const byTag = new Map<string, FeedPlan>();
  for (const digest of newestFirst) {
    for (const paper of digest.papers) {
      if (firstSeen.get(paper.arxivId) !== digest.date) continue;
      for (const tag of paper.tags) {
        const slug = slugify(tag);
        let plan = byTag.get(slug);
        if (!plan) {
          plan = { base: `feeds/tags/${slug}`, tag: plainText(tag), dates: [], papers: [] };
          byTag.set(slug, plan);
          plans.push(plan);
        }
        if (plan.papers.length >= FEED_TAG_PAPERS || plan.papers.some((p) => p.arxivId === paper.arxivId)) continue;
        plan.papers.push({ date: digest.date, arxivId: paper.arxivId });
        if (plan.dates.at(-1) !== digest.date) plan.dates.push(digest.date);
      }
    }
  }
  return plans;
}
