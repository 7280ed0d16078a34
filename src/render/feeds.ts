import { Feed, type Item } from 'feed';
import { escapeHtml } from './_inline.ts';
import type { Templates } from './_templates.ts';
import type { IssueView, PaperView, Site } from './_view.ts';

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
  if (format === 'rss') return title.replaceAll('&', '&#x26;').replaceAll('<', '&#x3C;').replaceAll('>', '&#x3E;');
  return title;
}

// The feed package escapes only "&" in attribute values: angle brackets are turned into their
// single-guillemet look-alikes there, which no real topic name contains.
function attributeSafe(text: string): string {
  return text.replaceAll('<', '‹').replaceAll('>', '›');
}

const dayOf = (date: string) => new Date(`${date}T00:00:00Z`);

function feedOf(site: Site, channel: Channel, entries: readonly Entry[], format: 'rss' | 'atom' | 'json', hub?: string): Feed {
  const feed = new Feed({
    id: channel.urls.atom,
    title: channel.title,
    description: channel.description,
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
        const name = format === 'atom' ? attributeSafe(tag) : tag;
        return { name, term: name };
      }),
    };
    if (format === 'atom') item.author = entry.authors.map((name) => ({ name }));
    // RSS wants an email in <author>; Dublin Core's creator takes a name.
    if (format === 'rss' && entry.authors.length > 0) item.extensions = [{ name: 'dc:creator', objects: { _text: entry.authors.join(', ') } }];
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

/**
 * Renders the site feeds (the newest issues) and one feed per topic (the newest papers with that
 * tag) in RSS 2.0, Atom 1.0 and JSON Feed 1.1. Ids come from issue dates and arXiv ids, dates from
 * the digests, so the same input gives the same bytes.
 */
export function renderFeeds(issues: readonly IssueView[], site: Site, templates: Templates, hub?: string): FeedFiles {
  const newestFirst = [...issues].sort((a, b) => b.date.localeCompare(a.date));
  const files: FeedFiles = new Map();
  const latest = newestFirst[0];
  const updated = latest ? dayOf(latest.date) : new Date(0);
  const siteEntries = newestFirst.slice(0, FEED_ISSUES).map<Entry>((issue) => ({
    id: issue.webUrl,
    link: issue.webUrl,
    title: `${issue.displayDate}: ${issue.countText}`,
    summary: issue.preheader,
    content: templates.feedIssue(issue),
    date: dayOf(issue.date),
    authors: [],
    tags: [],
  }));
  const urls = latest?.feeds ?? { rss: `${site.url}/feeds/rss.xml`, atom: `${site.url}/feeds/atom.xml`, json: `${site.url}/feeds/feed.json` };
  renderChannel(files, 'feeds', site, { title: site.title, description: `${site.title}: a daily digest of new research papers`, urls, updated }, siteEntries, hub);

  // A paper that reappears in a later digest keeps the entry of its first appearance.
  const firstSeen = new Map<string, string>();
  for (const issue of [...newestFirst].reverse()) for (const paper of issue.papers) if (!firstSeen.has(paper.arxivId)) firstSeen.set(paper.arxivId, issue.date);
  const byTag = new Map<string, { name: string; papers: [PaperView, IssueView][] }>();
  for (const issue of newestFirst) {
    for (const paper of issue.papers) {
      if (firstSeen.get(paper.arxivId) !== issue.date) continue;
      for (const tag of paper.tags) {
        const bucket = byTag.get(tag.slug) ?? { name: tag.name, papers: [] };
        byTag.set(tag.slug, bucket);
        if (bucket.papers.length < FEED_TAG_PAPERS && !bucket.papers.some(([p]) => p.arxivId === paper.arxivId)) bucket.papers.push([paper, issue]);
      }
    }
  }
  for (const [slug, { name, papers }] of byTag) {
    const newest = papers.map(([paper, issue]) => paperEntry(paper, issue, templates));
    const base = `${site.url}/feeds/tags/${slug}`;
    const channel: Channel = {
      title: `${site.title}: ${name}`,
      description: `New research papers on ${name}, from ${site.title}`,
      urls: { rss: `${base}.rss.xml`, atom: `${base}.atom.xml`, json: `${base}.json` },
      updated: newest[0]?.date ?? updated,
    };
    renderChannel(files, `feeds/tags/${slug}`, site, channel, newest, hub);
  }
  return files;
}
