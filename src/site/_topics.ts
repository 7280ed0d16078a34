import type { Digest } from '../digest/index.ts';
import { countText, plainText, siteUrls, slugify, tagView, type IssueView, type Site, type TopicListing, type TopicPageView, type TopicPaper } from '../render/index.ts';

/** Papers a topic page shows. */
const TOPIC_PAGE_PAPERS = 50;

/** A topic's papers, newest first, each in the issue that first carried it: what its pages are made from. */
export interface TopicPapers {
  name: string;
  slug: string;
  papers: { date: string; arxivId: string }[];
}

// A topic page shows the start of each summary: a page of 50 papers in full would be long to read
// and, over hundreds of pages, heavy to build.
const LEAD_LENGTH = 200;
function shorten(text: string | undefined): string | undefined {
  if (text === undefined || text.length <= LEAD_LENGTH) return text;
  const cut = text.slice(0, LEAD_LENGTH);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), LEAD_LENGTH / 2))}…`;
}

/** Every topic of the digests (inferred ones too), by name, with its papers newest first. */
export function topicPapers(digests: readonly Digest[]): TopicPapers[] {
  const firstSeen = new Map<string, string>();
  for (const digest of digests) for (const paper of digest.papers) if (!firstSeen.has(paper.arxivId)) firstSeen.set(paper.arxivId, digest.date);
  const topics = new Map<string, TopicPapers>();
  for (let i = digests.length - 1; i >= 0; i--) {
    const digest = digests[i] as Digest;
    for (const paper of digest.papers) {
      if (firstSeen.get(paper.arxivId) !== digest.date) continue;
      for (const tag of paper.tags) {
        const slug = slugify(tag);
        let topic = topics.get(slug);
        if (!topic) topics.set(slug, (topic = { name: plainText(tag), slug, papers: [] }));
        if (topic.papers.at(-1)?.arxivId !== paper.arxivId) topic.papers.push({ date: digest.date, arxivId: paper.arxivId });
      }
    }
  }
  return [...topics.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** A topic as lists show it: name, page, feeds and how many papers. */
export function topicListing(topic: TopicPapers, site: Site): TopicListing {
  return { ...tagView(topic.name, site), count: topic.papers.length, countText: countText(topic.papers.length), feeds: siteUrls(site).tagFeeds(topic.slug) };
}

/** How many pages a topic's papers fill. */
export function topicPageCount(topic: TopicPapers): number {
  return Math.max(1, Math.ceil(topic.papers.length / TOPIC_PAGE_PAPERS));
}

/** The path under out/ of a topic's page `n`. */
export function topicPagePath(slug: string, page: number): string {
  return page > 1 ? `topics/${slug}/${page}.html` : `topics/${slug}.html`;
}

/** The views of every page of a topic. */
export function topicPageViews(topic: TopicPapers, viewOf: (date: string) => IssueView, site: Site): TopicPageView[] {
  const urls = siteUrls(site);
  const listing = topicListing(topic, site);
  const pageCount = topicPageCount(topic);
  const papers = topic.papers.flatMap(({ date, arxivId }): TopicPaper[] => {
    const issue = viewOf(date);
    const paper = issue.papers.find((p) => p.arxivId === arxivId);
    return paper ? [{ ...paper, date, displayDate: issue.displayDate, issueUrl: issue.webUrl, lead: shorten(paper.points[0]?.text) }] : [];
  });
  return Array.from({ length: pageCount }, (_, i) => {
    const page = i + 1;
    return {
      site,
      feeds: urls.feeds,
      topic: listing,
      topicFeeds: listing.feeds,
      page,
      pageCount,
      pageUrl: urls.topic(topic.slug, page),
      newer: page > 1 ? urls.topic(topic.slug, page - 1) : undefined,
      older: page < pageCount ? urls.topic(topic.slug, page + 1) : undefined,
      start: i * TOPIC_PAGE_PAPERS + 1,
      assets: page > 1 ? '../../assets/' : '../assets/',
      papers: papers.slice(i * TOPIC_PAGE_PAPERS, page * TOPIC_PAGE_PAPERS),
    };
  });
}
