import { Feed, type Item } from 'feed';
import type { Digest } from '../digest/index.ts';
import { escapeHtml, plainText } from './_inline.ts';
import type { Templates } from './_templates.ts';
import { siteUrls, slugify, type IssueView, type PaperView, type Site } from './_view.ts';

/** How many issues the site feeds carry, and papers each topic feed. */
export const FEED_ISSUES = 30;
export const FEED_TAG_PAPERS = 50;

/** Feed files by their path under `out/`. */
export type FeedFiles = Map<string, string>;

interface Channel {
  title: string;
  description: string;
  urls: { rss: string; atom: string; json: string };
  updated: Date;
}

interface Entry {
  id: string;
  link: string;
  title: string;
  summary: string;
  content: string;
  date: Date;
  authors: string[];
  tags: string[];
}

// Atom titles are written as type="html", so digest text is escaped there. RSS titles are text
// that many readers decode as HTML: "&" and "<" go as hexadecimal references, as the RSS profile asks.
function titleFor(format: 'rss' | 'atom' | 'json', title: string): string {
  if (format === 'atom') return escapeHtml(title);
  if (format === 'rss') return rssText(title);
  return title;
}

function rssText(text: string): string {
  return text.replaceAll('&', '&#x26;').replaceAll('<', '&#x3C;').replaceAll('>', '&#x3E;');
}

// The feed package escapes only "&" in attribute values, and validators take "<" in a name for
// markup: angle brackets become their single-guillemet look-alikes there, which no real topic or
// author name contains.
function attributeSafe(text: string): string {
  return text.replaceAll('<', '‹').replaceAll('>', '›');
}

const dayOf = (date: string) => new Date(`${date}T00:00:00Z`);

function feedOf(site: Site, channel: Channel, entries: readonly Entry[], format: 'rss' | 'atom' | 'json', hub?: string): Feed {
  const text = (value: string) => (format === 'rss' ? rssText(value) : value);
  const feed = new Feed({
    id: channel.urls.atom,
    title: text(channel.title),
    description: text(channel.description),
    link: `${site.url}/`,
    language: site.language,
    updated: channel.updated,
    generator: 'paperboy',
    feedLinks: channel.urls,
    author: { name: site.title, link: `${site.url}/` },
    ...(hub ? { hub } : {}),
  });
  for (const entry of entries) {
    const item: Item = {
      title: titleFor(format, entry.title),
      id: entry.id,
      guid: entry.id,
      link: entry.link,
      date: entry.date,
      published: entry.date,
      description: format === 'json' ? entry.summary : escapeHtml(entry.summary),
      content: entry.content,
      category: entry.tags.map((tag) => {
        const name = format === 'atom' ? attributeSafe(tag) : text(tag);
        return { name, term: name };
      }),
    };
    if (format === 'atom') item.author = entry.authors.map((name) => ({ name: attributeSafe(name) }));
    // RSS wants an email in <author>; Dublin Core's creator takes a name.
    if (format === 'rss' && entry.authors.length > 0) item.extensions = [{ name: 'dc:creator', objects: { _text: rssText(entry.authors.join(', ')) } }];
    feed.addItem(item);
  }
  return feed;
}

// JSON Feed 1.1: `authors` and `language`, which the feed package does not write.
function jsonFeed11(feed: Feed, site: Site, entries: readonly Entry[]): string {
  const json = JSON.parse(feed.json1()) as Record<string, unknown> & { items: Record<string, unknown>[] };
  const { author, items, ...rest } = json;
  const authorsOf = (entry: Entry | undefined) => (entry?.authors.length ? entry.authors.map((name) => ({ name })) : undefined);
  return `${JSON.stringify(
    {
      ...rest,
      version: 'https://jsonfeed.org/version/1.1',
      language: site.language,
      authors: [author],
      items: items.map(({ author: _author, ...item }, i) => {
        const authors = authorsOf(entries[i]);
        return { ...item, ...(authors ? { authors } : {}) };
      }),
    },
    null,
    2,
  )}\n`;
}

function renderChannel(files: FeedFiles, base: string, site: Site, channel: Channel, entries: readonly Entry[], hub?: string): void {
  const names = base === 'feeds' ? { rss: 'rss.xml', atom: 'atom.xml', json: 'feed.json' } : null;
  const path = (format: 'rss' | 'atom' | 'json') =>
    names ? `feeds/${names[format]}` : `${base}.${format === 'json' ? 'json' : `${format}.xml`}`;
  files.set(path('rss'), `${feedOf(site, channel, entries, 'rss', hub).rss2()}\n`);
  files.set(path('atom'), `${feedOf(site, channel, entries, 'atom', hub).atom1()}\n`);
  files.set(path('json'), jsonFeed11(feedOf(site, channel, entries, 'json', hub), site, entries));
}

function shorten(text: string, length: number): string {
  if (text.length <= length) return text;
  const cut = text.slice(0, length);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), length / 2))}…`;
}

// Papers of one issue share its day; a second per place keeps their times distinct and in order
// (Atom readers and validators want distinct updated times), the first paper the latest.
function paperEntry(paper: PaperView, issue: IssueView, templates: Templates): Entry {
  const date = new Date(dayOf(issue.date).getTime() + (issue.count - paper.number) * 1000);
  return {
    id: paper.url,
    link: paper.webUrl,
    title: paper.titleText,
    summary: shorten(paper.points.map((p) => p.text).join(' '), 400),
    content: templates.feedPaper({ ...paper, issueUrl: issue.webUrl, issueDate: issue.displayDate }),
    date,
    authors: paper.authorsText === '' ? [] : paper.authorsText.split(', '),
    tags: paper.tags.map((t) => t.name),
  };
}

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
  const plans: FeedPlan[] = [{ base: 'feeds', tag: undefined, dates: newestFirst.slice(0, FEED_ISSUES).map((d) => d.date), papers: [] }];
  const firstSeen = new Map<string, string>();
  for (const digest of [...newestFirst].reverse()) for (const paper of digest.papers) if (!firstSeen.has(paper.arxivId)) firstSeen.set(paper.arxivId, digest.date);
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

/**
 * Renders one channel in RSS 2.0, Atom 1.0 and JSON Feed 1.1. Ids come from issue dates and arXiv
 * ids, dates from the digests, so the same input gives the same bytes.
 */
export function renderFeed(plan: FeedPlan, viewOf: (date: string) => IssueView, site: Site, templates: Templates, hub?: string): FeedFiles {
  const files: FeedFiles = new Map();
  const urls = siteUrls(site);
  if (plan.tag === undefined) {
    const issues = plan.dates.map(viewOf);
    const entries = issues.map<Entry>((issue) => ({
      id: issue.webUrl,
      link: issue.webUrl,
      title: `${issue.displayDate}: ${issue.countText}`,
      summary: issue.preheader,
      content: templates.feedIssue(issue),
      date: dayOf(issue.date),
      authors: [],
      tags: [],
    }));
    const updated = issues[0] ? dayOf(issues[0].date) : new Date(0);
    renderChannel(files, 'feeds', site, { title: site.title, description: `${site.title}: a daily digest of new research papers`, urls: urls.feeds, updated }, entries, hub);
    return files;
  }
  const entries = plan.papers.flatMap(({ date, arxivId }) => {
    const issue = viewOf(date);
    const paper = issue.papers.find((p) => p.arxivId === arxivId);
    return paper ? [paperEntry(paper, issue, templates)] : [];
  });
  const base = `${site.url}/${plan.base}`;
  const channel: Channel = {
    title: `${site.title}: ${plan.tag}`,
    description: `New research papers on ${plan.tag}, from ${site.title}`,
    urls: { rss: `${base}.rss.xml`, atom: `${base}.atom.xml`, json: `${base}.json` },
    updated: entries[0]?.date ?? new Date(0),
  };
  renderChannel(files, plan.base, site, channel, entries, hub);
  return files;
}
