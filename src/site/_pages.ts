import type { Digest } from '../digest/index.ts';
import {
  countText,
  displayDate,
  plainText,
  renderArchiveIndex,
  renderArchiveIssue,
  renderIndexPage,
  renderIssuePage,
  renderIssueText,
  siteUrls,
  slugify,
  type IssueListing,
  type IssueView,
  type Site,
  type TagView,
  type Templates,
} from '../render/index.ts';
import type { Writer } from './_write.ts';

/** The web page, text and Markdown files of one issue, by path under `out/`. */
export function renderIssuePages(view: IssueView, templates: Templates, out: Writer): void {
  out.put(`issues/${view.date}.html`, renderIssuePage(view, templates));
  out.put(`issues/${view.date}.txt`, renderIssueText(view, templates));
  out.put(`archive/${view.date}.md`, renderArchiveIssue(view, templates));
}

/** What the home page and the archive index show, taken from the digests alone. */
export interface SitePages {
  summary: { issues: IssueListing[]; tags: TagView[] };
  latest: string | undefined;
  viewOf: (date: string) => IssueView;
}

/** Collects the list of issues (newest first) and of topics, cheaply enough to compare builds by it. */
export function sitePagesInput(digests: readonly Digest[], viewOf: (date: string) => IssueView, site: Site): SitePages {
  const urls = siteUrls(site);
  const issues = [...digests].reverse().map<IssueListing>((d) => ({
    date: d.date,
    displayDate: displayDate(d.date),
    count: d.papers.length,
    countText: countText(d.papers.length),
    webUrl: urls.issue(d.date),
    lead: plainText(d.papers[0]?.title ?? ''),
  }));
  const tags = new Map<string, TagView>();
  for (const digest of digests) {
    for (const paper of digest.papers) {
      for (const tag of paper.tags) {
        const slug = slugify(tag);
        if (!tags.has(slug)) tags.set(slug, { name: plainText(tag), slug, feedUrl: urls.tagFeed(slug) });
      }
    }
  }
  const sorted = [...tags.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { summary: { issues, tags: sorted }, latest: issues[0]?.date, viewOf };
}

/** The home page, the archive index and the stylesheet. */
export function renderSitePages(pages: SitePages, site: Site, templates: Templates, out: Writer): void {
  const { feeds } = siteUrls(site);
  const latest = pages.latest === undefined ? undefined : pages.viewOf(pages.latest);
  const lead = latest && { webUrl: latest.webUrl, displayDate: latest.displayDate, papers: latest.papers };
  out.put('index.html', renderIndexPage(site, feeds, pages.summary.issues, lead, pages.summary.tags, templates));
  out.put('archive/README.md', renderArchiveIndex(site, feeds, pages.summary.issues, templates));
  out.put('assets/site.css', templates.css);
}
