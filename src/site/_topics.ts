import {
  countText,
  paperIn,
  siteUrls,
  tagView,
  type IssueView,
  type Site,
  type TopicListing,
  type TopicPageView,
  type TopicPaper,
  type TopicPapers,
} from '../render/index.ts';

/** Papers an archived topic page holds; the topic's front page holds the newest 50 to 99. */
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

/**
 * One page of a topic: its front page (`page` undefined), or archived page `page`. Pages are cut
 * from the oldest paper, 50 at a time, and only a full page is archived, so an archived page keeps
 * its papers and its address as the topic grows; the front page holds the rest, newest first.
 */
export interface TopicPagePlan {
  page: number | undefined;
  /** The papers, newest first. */
  papers: TopicPapers['papers'];
  /** The number of its oldest paper, counting the topic's papers from its oldest (1). */
  first: number;
  /** How many pages are archived: the front page links to the newest of them. */
  archived: number;
}

/** A topic's pages: the front page first, then the archived pages, oldest (1) first. */
export function topicPages(topic: TopicPapers): TopicPagePlan[] {
  const oldestFirst = [...topic.papers].reverse();
  const archived = Math.max(0, Math.floor((oldestFirst.length - TOPIC_PAGE_PAPERS) / TOPIC_PAGE_PAPERS));
  const cut = archived * TOPIC_PAGE_PAPERS;
  const front: TopicPagePlan = { page: undefined, papers: oldestFirst.slice(cut).reverse(), first: cut + 1, archived };
  const pages = Array.from({ length: archived }, (_, i): TopicPagePlan => {
    const start = i * TOPIC_PAGE_PAPERS;
    return { page: i + 1, papers: oldestFirst.slice(start, start + TOPIC_PAGE_PAPERS).reverse(), first: start + 1, archived };
  });
  return [front, ...pages];
}

/** A topic's pages as the sitemap names them: front page first, each with the date of its newest paper. */
export function topicPageDates(topic: TopicPapers): { page: number | undefined; newest: string | undefined }[] {
  const count = topic.papers.length;
  const archived = Math.max(0, Math.floor((count - TOPIC_PAGE_PAPERS) / TOPIC_PAGE_PAPERS));
  // Papers are newest first: archived page k ends with the topic's (k * 50)th oldest paper.
  const pages = Array.from({ length: archived }, (_, i) => ({
    page: i + 1,
    newest: topic.papers[count - (i + 1) * TOPIC_PAGE_PAPERS]?.date,
  }));
  return [{ page: undefined, newest: topic.papers[0]?.date }, ...pages];
}

/** The path under out/ of a topic's front page (`page` undefined) or archived page `page`. */
export function topicPagePath(slug: string, page: number | undefined): string {
  return page === undefined ? `topics/${slug}.html` : `topics/${slug}/${page}.html`;
}

/**
 * The view of one page of a topic. An archived page shows nothing that changes as the topic grows
 * (not its count, not how many pages there are), but its link to newer papers: the front page from
 * the newest archived page, which the next archived page replaces once it is full.
 */
export function topicPageView(topic: TopicPapers, plan: TopicPagePlan, viewOf: (date: string) => IssueView, site: Site): TopicPageView {
  const urls = siteUrls(site);
  const papers = plan.papers.flatMap(({ date, arxivId }): TopicPaper[] => {
    const issue = viewOf(date);
    const paper = paperIn(issue, arxivId);
    return paper ? [{ ...paper, date, displayDate: issue.displayDate, issueUrl: issue.webUrl, lead: shorten(paper.points[0]?.text) }] : [];
  });
  const { page, archived } = plan;
  const tag = tagView(topic.name, urls);
  const front = page === undefined;
  return {
    site,
    feeds: urls.feeds,
    topic: tag,
    topicFeeds: urls.tagFeeds(topic.slug),
    count: front ? topic.papers.length : undefined,
    countText: front ? countText(topic.papers.length) : undefined,
    page,
    pageUrl: urls.topic(topic.slug, page),
    newer: front ? undefined : urls.topic(topic.slug, page < archived ? page + 1 : undefined),
    older: front ? (archived > 0 ? urls.topic(topic.slug, archived) : undefined) : page > 1 ? urls.topic(topic.slug, page - 1) : undefined,
    from: plan.first,
    to: plan.first + plan.papers.length - 1,
    assets: front ? '../assets/' : '../../assets/',
    papers,
  };
}
