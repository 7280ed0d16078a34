import {
  countText,
  siteUrls,
  tagView,
  type IssueView,
  type Site,
  type TopicListing,
  type TopicPageView,
  type TopicPaper,
  type TopicPapers,
} from '../render/index.ts';

/** Papers a topic page shows. */
const TOPIC_PAGE_PAPERS = 50;

// A topic page shows the start of each summary: a page of 50 papers in full would be long to read
// and, over hundreds of pages, heavy to build.
const LEAD_LENGTH = 200;
function shorten(text: string | undefined): string | undefined {
  if (text === undefined || text.length <= LEAD_LENGTH) return text;
  const cut = text.slice(0, LEAD_LENGTH);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), LEAD_LENGTH / 2))}…`;
}

/** Every topic of the digests (inferred ones too), by name, with its papers newest first. */
export function topicsByName(topics: readonly TopicPapers[]): TopicPapers[] {
  return [...topics].sort((a, b) => a.name.localeCompare(b.name));
}

/** A topic as lists show it: name, page, feeds and how many papers. */
export function topicListing(topic: TopicPapers, site: Site): TopicListing {
  const urls = siteUrls(site);
  return {
    ...tagView(topic.name, urls),
    count: topic.papers.length,
    countText: countText(topic.papers.length),
    feeds: urls.tagFeeds(topic.slug),
  };
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
