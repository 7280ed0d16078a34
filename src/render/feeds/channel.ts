import type { Templates } from '../templates.ts';
import { paperIn, siteUrls, type IssueView, type PaperView, type Site } from '../view.ts';
import { archiveBase, feedPaths, type FeedPlan } from './plan.ts';

/** The three URLs of a channel, one per format. */
export type ChannelUrls = { rss: string; atom: string; json: string };

/** A feed's channel, whatever the format: its name, its own URLs and when it last changed. */
export interface Channel {
  title: string;
  description: string;
  urls: ChannelUrls;
  updated: Date;
  /** RFC 5005: whether this is an archive document, and the documents it links to. */
  history?: { archive: boolean; current?: ChannelUrls; previous?: ChannelUrls; next?: ChannelUrls };
}

/** One entry of a feed, whatever the format; text fields are plain text, `content` is HTML. */
export interface Entry {
  id: string;
  link: string;
  title: string;
  summary: string;
  content: string;
  date: Date;
  authors: string[];
  tags: string[];
}

const dayOf = (date: string) => new Date(`${date}T00:00:00Z`);

function shorten(text: string, length: number): string {
  if (text.length <= length) return text;
  const cut = text.slice(0, length);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), length / 2))}…`;
}

// Entries are kept by the views they are made of (a builder keeps the views of unchanged issues
// between builds), so that each format writes an entry's element once: a paper is in a few topic
// feeds, and the site feed is written several times while its size budget is looked for.
const papersKept = new WeakMap<PaperView, { issue: IssueView; templates: Templates; entry: Entry }>();
const issuesKept = new WeakMap<IssueView, { templates: Templates; entries: [Entry?, Entry?] }>();

function keptPaperEntry(paper: PaperView, issue: IssueView, templates: Templates): Entry {
  const kept = papersKept.get(paper);
  if (kept?.issue === issue && kept.templates === templates) return kept.entry;
  const entry = paperEntry(paper, issue, templates);
  papersKept.set(paper, { issue, templates, entry });
  return entry;
}

function keptIssueEntry(issue: IssueView, templates: Templates, archived: boolean): Entry {
  let kept = issuesKept.get(issue);
  if (kept?.templates !== templates) issuesKept.set(issue, (kept = { templates, entries: [] }));
  const at = archived ? 1 : 0;
  return (kept.entries[at] ??= issueEntry(issue, templates, archived));
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

// An issue is written by the newsletter, and is about the topics of its papers. In an archive
// document it is listed by its titles: 600 issues in full would weigh tens of megabytes; so is an
// issue of the current feed past its size budget.
function issueEntry(issue: IssueView, templates: Templates, archived: boolean): Entry {
  return {
    id: issue.webUrl,
    link: issue.webUrl,
    title: `${issue.displayDate}: ${issue.countText}`,
    summary: issue.preheader,
    content: archived ? templates.feedIssueArchived(issue) : templates.feedIssue(issue),
    date: dayOf(issue.date),
    authors: [issue.site.title],
    tags: [...new Set(issue.papers.flatMap((p) => p.tags.map((t) => t.name)))],
  };
}

// A channel's addresses: its files' paths under the site's address.
function urlsOf(site: Site, base: string): ChannelUrls {
  const paths = feedPaths(base);
  return { rss: `${site.url}/${paths.rss}`, atom: `${site.url}/${paths.atom}`, json: `${site.url}/${paths.json}` };
}

function siteHistory(plan: FeedPlan, site: Site): NonNullable<Channel['history']> {
  const { page, previous, next } = plan.history ?? {};
  return {
    archive: page !== undefined,
    ...(page !== undefined ? { current: siteUrls(site).feeds } : {}),
    ...(previous !== undefined ? { previous: urlsOf(site, archiveBase(previous)) } : {}),
    ...(next !== undefined ? { next: urlsOf(site, archiveBase(next)) } : {}),
  };
}

/**
 * The channel and entries of a plan: the site's issues, or a topic's papers. Of the current site
 * feed's issues, the newest `full` are in full and the others listed by their titles.
 */
export function channelOf(
  plan: FeedPlan,
  viewOf: (date: string) => IssueView,
  site: Site,
  templates: Templates,
  full = Infinity,
): { channel: Channel; entries: Entry[] } {
  if (plan.tag === undefined) {
    const issues = plan.dates.map(viewOf);
    const page = plan.history?.page;
    const span = issues.length > 0 ? `: issues of ${issues.at(-1)?.displayDate} to ${issues[0]?.displayDate}` : '';
    const channel: Channel = {
      title: page === undefined ? site.title : `${site.title} (archive ${page})`,
      description: page === undefined ? `${site.title}: a daily digest of new research papers` : `${site.title}, archived${span}`,
      urls: urlsOf(site, plan.base),
      updated: issues[0] ? dayOf(issues[0].date) : new Date(0),
      history: siteHistory(plan, site),
    };
    return { channel, entries: issues.map((issue, i) => keptIssueEntry(issue, templates, page !== undefined || i >= full)) };
  }
  const entries = plan.papers.flatMap(({ date, arxivId }) => {
    const issue = viewOf(date);
    const paper = paperIn(issue, arxivId);
    return paper ? [keptPaperEntry(paper, issue, templates)] : [];
  });
  const channel: Channel = {
    title: `${site.title}: ${plan.tag}`,
    description: `New research papers on ${plan.tag}, from ${site.title}`,
    urls: urlsOf(site, plan.base),
    updated: entries[0]?.date ?? new Date(0),
  };
  return { channel, entries };
}
