import type { Site } from '../config.ts';
import type { Digest, Paper } from '../digest/index.ts';
import { inlineHtml, markdownText, plainText } from './inline.ts';

export type { Site } from '../config.ts';

/** A neighbouring issue, for previous / next links and lists. */
export interface IssueRef {
  date: string;
  count: number;
}

/** A link button: its URL and a short label derived from it. */
export interface LinkView {
  url: string;
  label: string;
}

/** A topic tag with its slug, its feed and its page. */
export interface TagView {
  name: string;
  slug: string;
  feedUrl: string;
  pageUrl: string;
}

/** One paper, ready for any template: HTML fields are safe to print unescaped. */
export interface PaperView {
  number: number;
  anchor: string;
  arxivId: string;
  url: string;
  webUrl: string;
  titleHtml: string;
  titleText: string;
  titleMarkdown: string;
  authorsText: string;
  authorsMarkdown: string;
  points: { html: string; text: string; markdownText: string }[];
  tags: TagView[];
  /** Whether the tags were inferred from the title and summary (the digest gave none). */
  tagsInferred: boolean;
  github: LinkView[];
  huggingface: LinkView[];
  /** The earlier issue that already carried this paper, if one did. */
  repeatOf: { date: string; displayDate: string; webUrl: string } | undefined;
}

/** One issue, ready for any template. */
export interface IssueView {
  site: Site;
  date: string;
  displayDate: string;
  count: number;
  countText: string;
  preheader: string;
  webUrl: string;
  textUrl: string;
  archiveUrl: string;
  feeds: { rss: string; atom: string; json: string };
  papers: PaperView[];
  previous: (IssueRef & { webUrl: string; displayDate: string }) | undefined;
  next: (IssueRef & { webUrl: string; displayDate: string }) | undefined;
}

const papersById = new WeakMap<IssueView, Map<string, PaperView>>();

/** An issue's paper by arXiv id (the first, when a digest lists one twice): topic pages and feeds look up thousands. */
export function paperIn(issue: IssueView, arxivId: string): PaperView | undefined {
  let byId = papersById.get(issue);
  if (!byId) {
    byId = new Map();
    for (const paper of issue.papers) if (!byId.has(paper.arxivId)) byId.set(paper.arxivId, paper);
    papersById.set(issue, byId);
  }
  return byId.get(arxivId);
}

/** A tag's file name: lower case, words joined by dashes. */
export function slugify(tag: string): string {
  let slug = slugs.get(tag);
  if (slug === undefined) {
    slug = toSlug(tag);
    slugs.set(tag, slug);
  }
  return slug;
}

const slugs = new Map<string, string>();

function toSlug(tag: string): string {
  return (
    tag
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'tag'
  );
}

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** `Friday, October 4, 2024`, the same on every machine. */
export function displayDate(date: string): string {
  const day = new Date(`${date}T00:00:00Z`);
  return `${WEEKDAYS[day.getUTCDay()]}, ${MONTHS[day.getUTCMonth()]} ${day.getUTCDate()}, ${day.getUTCFullYear()}`;
}

/** `1 paper`, `12 papers`. */
export function countText(count: number): string {
  return `${count} paper${count === 1 ? '' : 's'}`;
}

/** The public URLs of the site's files. */
export function siteUrls(site: Site) {
  return {
    issue: (date: string) => `${site.url}/issues/${date}.html`,
    issueText: (date: string) => `${site.url}/issues/${date}.txt`,
    archive: (date: string) => `${site.url}/archive/${date}.md`,
    feeds: { rss: `${site.url}/feeds/rss.xml`, atom: `${site.url}/feeds/atom.xml`, json: `${site.url}/feeds/feed.json` },
    tagFeed: (slug: string) => `${site.url}/feeds/tags/${slug}.rss.xml`,
    tagFeeds: (slug: string) => ({
      rss: `${site.url}/feeds/tags/${slug}.rss.xml`,
      atom: `${site.url}/feeds/tags/${slug}.atom.xml`,
      json: `${site.url}/feeds/tags/${slug}.json`,
    }),
    // A topic's front page, or its archived page `page` (1 holds its oldest papers).
    topic: (slug: string, page?: number) => `${site.url}/topics/${slug}${page === undefined ? '' : `/${page}`}.html`,
    topics: `${site.url}/topics/index.html`,
    archiveIndex: `${site.url}/archive/index.html`,
  };
}

/** The public URLs of a site, as `siteUrls` makes them. */
export type SiteUrls = ReturnType<typeof siteUrls>;

/** A topic's names and addresses. */
export function tagView(name: string, urls: SiteUrls): TagView {
  const slug = slugify(name);
  return { name: plainText(name), slug, feedUrl: urls.tagFeed(slug), pageUrl: urls.topic(slug) };
}

function linkLabel(url: string): string {
  const { hostname, pathname } = new URL(url);
  const path = pathname.replace(/^\/+|\/+$/g, '');
  const host = hostname.replace(/^www\./, '');
  const label = /^(github\.com|huggingface\.co|hf\.co)$/.test(host) && path !== '' ? path : `${host}${path ? `/${path}` : ''}`;
  return label.length > 40 ? `${label.slice(0, 39)}…` : label;
}

/** The id-based anchor of a paper on its issue page. */
export function paperAnchor(paper: Paper): string {
  return `arxiv-${paper.arxivId.replace(/[^\w-]/g, '-')}`;
}

function paperView(paper: Paper, number: number, urls: SiteUrls, webUrl: string, firstSeen: string | undefined): PaperView {
  const anchor = paperAnchor(paper);
  return {
    number,
    anchor,
    arxivId: paper.arxivId,
    url: paper.url,
    webUrl: `${webUrl}#${anchor}`,
    titleHtml: inlineHtml(paper.title),
    titleText: plainText(paper.title),
    titleMarkdown: markdownText(paper.title),
    authorsText: plainText(paper.authors.join(', ')),
    authorsMarkdown: markdownText(paper.authors.join(', ')),
    points: paper.points.map((point) => ({ html: inlineHtml(point), text: plainText(point), markdownText: markdownText(point) })),
    tags: paper.tags.map((name) => tagView(name, urls)),
    tagsInferred: paper.tagsInferred === true,
    github: paper.links.github.map((url) => ({ url, label: linkLabel(url) })),
    huggingface: paper.links.huggingface.map((url) => ({ url, label: linkLabel(url) })),
    repeatOf:
      firstSeen === undefined
        ? undefined
        : { date: firstSeen, displayDate: displayDate(firstSeen), webUrl: `${urls.issue(firstSeen)}#${anchor}` },
  };
}

function preheader(digest: Digest): string {
  const titles = digest.papers.slice(0, 2).map((p) => plainText(p.title));
  if (titles.length === 0) return 'No new papers today.';
  const more = digest.papers.length - titles.length;
  return `${countText(digest.papers.length)}: ${titles.join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}

/** What else an issue's view may know: its neighbours, and the earlier issues its papers were in. */
export interface ViewContext {
  previous?: IssueRef | undefined;
  next?: IssueRef | undefined;
  /** arXiv id → the date of an earlier issue that carried the paper. */
  earlier?: ReadonlyMap<string, string> | undefined;
  /** For the weekly email: the week it gathers (its label replaces the date, its link goes home). */
  week?: { label: string } | undefined;
}

/** Builds the view every template of one issue takes. */
export function issueView(digest: Digest, site: Site, neighbours: ViewContext = {}): IssueView {
  const urls = siteUrls(site);
  const webUrl = neighbours.week ? `${site.url}/` : urls.issue(digest.date);
  const ref = (r: IssueRef | undefined) => r && { ...r, webUrl: urls.issue(r.date), displayDate: displayDate(r.date) };
  return {
    site,
    date: digest.date,
    displayDate: neighbours.week?.label ?? displayDate(digest.date),
    count: digest.papers.length,
    countText: countText(digest.papers.length),
    preheader: preheader(digest),
    webUrl,
    textUrl: urls.issueText(digest.date),
    archiveUrl: urls.archive(digest.date),
    feeds: urls.feeds,
    papers: digest.papers.map((p, i) => paperView(p, i + 1, urls, webUrl, neighbours.earlier?.get(p.arxivId))),
    previous: ref(neighbours.previous),
    next: ref(neighbours.next),
  };
}
