import type { Templates } from './templates.ts';
import type { IssueView, PaperView, Site, TagView } from './view.ts';

/** One line of the list of issues. */
export interface IssueListing {
  date: string;
  displayDate: string;
  count: number;
  countText: string;
  webUrl: string;
  /** The first paper's title, as plain text. */
  lead: string;
  /** The first few titles, as plain text. */
  leads: string[];
}

/** A topic as the topic index and the home page list it: its papers' count and its feeds. */
export interface TopicListing extends TagView {
  count: number;
  countText: string;
  feeds: IssueView['feeds'];
}

/** What the home page shows: the subscribe form, the latest issue's first titles, the recent issues, the topics. */
export interface HomeView {
  site: Site;
  feeds: IssueView['feeds'];
  tags: readonly TagView[];
  recent: readonly IssueListing[];
  /** The newest issue, when it has no papers: named once rather than listed. */
  quiet: IssueListing | undefined;
  issueCount: number;
  latest: { webUrl: string; displayDate: string; countText: string; lead: PaperView[] } | undefined;
}

/** The HTML archive: every issue, by month, newest first. */
export interface ArchiveView {
  site: Site;
  feeds: IssueView['feeds'];
  issueCount: number;
  months: { id: string; name: string; shortName: string; issues: IssueListing[] }[];
}

/** A paper as a topic page lists it: its view, the issue it is in, and the start of its summary as plain text. */
export type TopicPaper = PaperView & { date: string; displayDate: string; issueUrl: string; lead: string | undefined };

/** One page of a topic's papers: its front page, or an archived page that keeps its papers as the topic grows. */
export interface TopicPageView {
  site: Site;
  feeds: IssueView['feeds'];
  topic: TagView;
  topicFeeds: IssueView['feeds'];
  /** How many papers the topic has: on its front page only. */
  count: number | undefined;
  countText: string | undefined;
  /** The archived page's number (1 holds the oldest papers); undefined on the front page. */
  page: number | undefined;
  pageUrl: string;
  newer: string | undefined;
  older: string | undefined;
  /** The numbers of the oldest and the newest paper listed, counting the topic's papers from its oldest. */
  from: number;
  to: number;
  assets: string;
  papers: TopicPaper[];
}

/** The issue as a standalone web page, with previous / next links and feed autodiscovery. */
export function renderIssuePage(view: IssueView, templates: Templates): string {
  return templates.page(view);
}

/** The issue as plain text, wrapped at 78 columns. */
export function renderIssueText(view: IssueView, templates: Templates): string {
  return templates.issueText(view);
}

/** The home page: a subscribe form, the latest issue's first titles, the recent issues and the topics. */
export function renderIndexPage(view: HomeView, templates: Templates): string {
  return templates.index(view);
}

/** The HTML archive, by month. */
export function renderArchivePage(view: ArchiveView, templates: Templates): string {
  return templates.archivePage(view);
}

/** One page of a topic's papers, newest first, with a subscribe form for the topic. */
export function renderTopicPage(view: TopicPageView, templates: Templates): string {
  return templates.topic(view);
}

/** The list of topics with their paper counts and feeds. */
export function renderTopicIndex(site: Site, feeds: IssueView['feeds'], topics: readonly TopicListing[], templates: Templates): string {
  return templates.topics({ site, feeds, topics });
}

/** The search page; `indexes` are the search index folders, newest first, relative to the site's root. */
export function renderSearchPage(site: Site, feeds: IssueView['feeds'], indexes: readonly string[], templates: Templates): string {
  const basePath = `${new URL(site.url).pathname.replace(/\/+$/, '')}/`;
  return templates.search({ site, feeds, indexes: indexes.join(' '), basePath });
}
