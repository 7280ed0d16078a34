import type { Templates } from './templates.ts';
import type { IssueView, Site } from './view.ts';
import type { IssueListing } from './page.ts';

/** The issue as readable Markdown: a section per paper. */
export function renderArchiveIssue(view: IssueView, templates: Templates): string {
  return templates.archiveIssue(view);
}

/** The archive's index, newest first, with paper counts. */
export function renderArchiveIndex(site: Site, feeds: IssueView['feeds'], issues: readonly IssueListing[], templates: Templates): string {
  return templates.archiveIndex({ site, feeds, issues });
}
