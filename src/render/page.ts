import type { Templates } from './templates.ts';
import type { IssueView, PaperView, Site, TagView } from './view.ts';

/** One line of the list of issues. */
export interface IssueListing {
  date: string;
  displayDate: string;
  count: number;
  countText: string;
  webUrl: string;
  lead: string;
}

/** The issue as a standalone web page, with previous / next links and feed autodiscovery. */
export function renderIssuePage(view: IssueView, templates: Templates): string {
  return templates.page(view);
}

/** The issue as plain text, wrapped at 78 columns. */
export function renderIssueText(view: IssueView, templates: Templates): string {
  return templates.issueText(view);
}

/** The home page: the latest issue's titles, a subscribe form, every issue and the topic feeds. */
export function renderIndexPage(
  site: Site,
  feeds: IssueView['feeds'],
  issues: readonly IssueListing[],
  latest: { webUrl: string; displayDate: string; papers: PaperView[] } | undefined,
  tags: readonly TagView[],
  templates: Templates,
): string {
  return templates.index({ site, feeds, issues, latest, tags });
}
