import type { Digest } from '../../digest/index.ts';
import { plainText } from '../inline.ts';
import { slugify } from '../view.ts';

/** How many issues the site feeds carry, and papers each topic feed. */
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
}

/**
 * Plans every channel from the digests alone, so that a build renders only the channels whose
 * issues changed. The site feed carries the newest issues; a topic feed the newest papers with that
 * tag, a paper that reappears in a later digest keeping the entry of its first appearance.
 */
export function planFeeds(digests: readonly Digest[]): FeedPlan[] {
  const newestFirst = [...digests].sort((a, b) => b.date.localeCompare(a.date));
  const site = { base: 'feeds', tag: undefined, dates: newestFirst.slice(0, FEED_ISSUES).map((d) => d.date), papers: [] };
  const plans: FeedPlan[] = [site];
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
