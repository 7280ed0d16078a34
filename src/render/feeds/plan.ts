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

/** The most bytes each format of the current site feed takes: newer issues in full, the others by title. */
export const FEED_BYTES = 250_000;

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

/** The three files of a channel, by path under `out/`. */
export function feedPaths(base: string): { rss: string; atom: string; json: string } {
  if (base === 'feeds') return { rss: 'feeds/rss.xml', atom: 'feeds/atom.xml', json: 'feeds/feed.json' };
  return { rss: `${base}.rss.xml`, atom: `${base}.atom.xml`, json: `${base}.json` };
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
  const current: FeedPlan = {
    base: 'feeds',
    tag: undefined,
    dates: oldestFirst.slice(pages * FEED_ISSUES).reverse(),
    papers: [],
    history: pages > 0 ? { previous: pages } : {},
  };
  const archives = Array.from({ length: pages }, (_, i): FeedPlan => {
    const page = i + 1;
    const dates = oldestFirst.slice(i * FEED_ISSUES, page * FEED_ISSUES).reverse();
    return {
      base: archiveBase(page),
      tag: undefined,
      dates,
      papers: [],
      history: { page, ...(page > 1 ? { previous: page - 1 } : {}), ...(page < pages ? { next: page + 1 } : {}) },
    };
  });
  return [current, ...archives];
}

/** A topic's papers, newest first, each once and in the issue that first carried it. */
export interface TopicPapers {
  name: string;
  slug: string;
  papers: { date: string; arxivId: string }[];
}

/**
 * Every topic of the digests (inferred ones too), in the order the newest papers bring them, with
 * its papers newest first: what its feed and its pages are made from.
 */
export function papersByTopic(digests: readonly Digest[]): TopicPapers[] {
  const newestFirst = [...digests].sort((a, b) => b.date.localeCompare(a.date));
  const firstSeen = new Map<string, string>();
  for (const digest of [...newestFirst].reverse()) {
    for (const paper of digest.papers) if (!firstSeen.has(paper.arxivId)) firstSeen.set(paper.arxivId, digest.date);
  }
  const topics = new Map<string, TopicPapers & { ids: Set<string> }>();
  for (const digest of newestFirst) {
    for (const paper of digest.papers) {
      if (firstSeen.get(paper.arxivId) !== digest.date) continue;
      for (const tag of paper.tags) {
        const slug = slugify(tag);
        let topic = topics.get(slug);
        if (!topic) topics.set(slug, (topic = { name: plainText(tag), slug, papers: [], ids: new Set() }));
        if (topic.ids.has(paper.arxivId)) continue;
        topic.ids.add(paper.arxivId);
        topic.papers.push({ date: digest.date, arxivId: paper.arxivId });
      }
    }
  }
  return [...topics.values()].map(({ name, slug, papers }) => ({ name, slug, papers }));
}

/**
 * Plans every channel from the digests alone, so that a build renders only the channels whose
 * issues changed. The site feed carries the newest issues, its archive pages the older ones; a
 * topic feed the newest papers of `topics` (those of the digests unless given). A day without
 * papers is an entry in none of them: a reader would only see an empty item.
 */
export function planFeeds(digests: readonly Digest[], topics: readonly TopicPapers[] = papersByTopic(digests)): FeedPlan[] {
  const plans: FeedPlan[] = sitePlans(
    digests
      .filter((d) => d.papers.length > 0)
      .map((d) => d.date)
      .sort()
      .reverse(),
  );
  for (const topic of topics) {
    const papers = topic.papers.slice(0, FEED_TAG_PAPERS);
    plans.push({ base: `feeds/tags/${topic.slug}`, tag: topic.name, dates: [...new Set(papers.map((p) => p.date))], papers });
  }
  return plans;
}
