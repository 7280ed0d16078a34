import type { Templates } from '../templates.ts';
import { siteUrls, type IssueView, type PaperView, type Site } from '../view.ts';
import type { FeedPlan } from './plan.ts';

/** A feed's channel, whatever the format: its name, its own URLs and when it last changed. */
export interface Channel {
  title: string;
  description: string;
  urls: { rss: string; atom: string; json: string };
  updated: Date;
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

function issueEntry(issue: IssueView, templates: Templates): Entry {
  return {
    id: issue.webUrl,
    link: issue.webUrl,
    title: `${issue.displayDate}: ${issue.countText}`,
    summary: issue.preheader,
    content: templates.feedIssue(issue),
    date: dayOf(issue.date),
    authors: [],
    tags: [],
  };
}

/** The channel and entries of a plan: the site's issues, or a topic's papers. */
export function channelOf(plan: FeedPlan, viewOf: (date: string) => IssueView, site: Site, templates: Templates): { channel: Channel; entries: Entry[] } {
  if (plan.tag === undefined) {
    const issues = plan.dates.map(viewOf);
    const channel: Channel = {
      title: site.title,
      description: `${site.title}: a daily digest of new research papers`,
      urls: siteUrls(site).feeds,
      updated: issues[0] ? dayOf(issues[0].date) : new Date(0),
    };
    return { channel, entries: issues.map((issue) => issueEntry(issue, templates)) };
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
  return { channel, entries };
}
