import type { Digest } from '../digest/index.ts';
import {
  countText,
  displayDate,
  plainText,
  renderArchiveIndex,
  renderArchiveIssue,
  renderArchivePage,
  renderIndexPage,
  renderIssuePage,
  renderIssueText,
  renderOpml,
  renderRobots,
  renderSitemap,
  renderTopicIndex,
  siteUrls,
  type ArchiveView,
  type IssueListing,
  type IssueView,
  type Site,
  type SitemapEntry,
  type Templates,
  type TopicListing,
  type TopicPapers,
} from '../render/index.ts';
import { topicListing, topicPageDates } from './_topics.ts';
import type { Writer } from './_write.ts';

/** The home page lists this many issues with papers; the archive lists every issue. */
const RECENT_ISSUES = 30;
const LATEST_TITLES = 3;
const LEAD_TITLES = 3;

/** The web page, text and Markdown files of one issue, by path under `out/`. */
export function renderIssuePages(view: IssueView, templates: Templates, out: Pick<Writer, 'put'>): void {
  out.put(`issues/${view.date}.html`, renderIssuePage(view, templates));
  out.put(`issues/${view.date}.txt`, renderIssueText(view, templates));
  out.put(`archive/${view.date}.md`, renderArchiveIssue(view, templates));
}

/** What the site-wide pages show, taken from the digests alone. */
export interface SitePages {
  summary: { issues: IssueListing[]; topics: (TopicListing & { pages: { page: number | undefined; newest: string | undefined }[] })[] };
  /** The newest issue with papers: the one the home page leads with. */
  latest: string | undefined;
  viewOf: (date: string) => IssueView;
}

/** Collects the issues (newest first) and the topics, cheaply enough to compare builds by them. */
export function sitePagesInput(
  digests: readonly Digest[],
  topics: readonly TopicPapers[],
  viewOf: (date: string) => IssueView,
  site: Site,
): SitePages {
  const urls = siteUrls(site);
  const issues = [...digests].reverse().map<IssueListing>((d) => ({
    date: d.date,
    displayDate: displayDate(d.date),
    count: d.papers.length,
    countText: countText(d.papers.length),
    webUrl: urls.issue(d.date),
    lead: plainText(d.papers[0]?.title ?? ''),
    leads: d.papers.slice(0, LEAD_TITLES).map((p) => plainText(p.title)),
  }));
  const listed = topics.map((t) => ({ ...topicListing(t, site), pages: topicPageDates(t) }));
  return { summary: { issues, topics: listed }, latest: issues.find((i) => i.count > 0)?.date, viewOf };
}

function byMonth(issues: readonly IssueListing[]): ArchiveView['months'] {
  const months: ArchiveView['months'] = [];
  for (const issue of issues) {
    const id = issue.date.slice(0, 7);
    let month = months.at(-1);
    if (month?.id !== id) {
      const [, name = '', year = ''] = /^\w+, (\w+) \d+, (\d+)$/.exec(issue.displayDate) ?? [];
      months.push((month = { id, name: `${name} ${year}`, shortName: `${name.slice(0, 3)} ${year}`, issues: [] }));
    }
    month.issues.push(issue);
  }
  return months;
}

function sitemap(pages: SitePages, site: Site): SitemapEntry[] {
  const urls = siteUrls(site);
  const newest = pages.summary.issues[0]?.date;
  return [
    { url: `${site.url}/`, lastmod: newest },
    { url: urls.archiveIndex, lastmod: newest },
    { url: urls.topics, lastmod: newest },
    ...pages.summary.topics.flatMap((t) => t.pages.map((p) => ({ url: urls.topic(t.slug, p.page), lastmod: p.newest }))),
    ...pages.summary.issues.map((i) => ({ url: i.webUrl, lastmod: i.date })),
  ];
}

/** The home page, the archive (HTML and Markdown), the topic index, the OPML list, the sitemap and the site's fixed files. */
export function renderSitePages(pages: SitePages, site: Site, templates: Templates, out: Writer): void {
  const urls = siteUrls(site);
  const { feeds } = urls;
  const { issues, topics } = pages.summary;
  // The home page leads with issues that have papers; a newest day without any is named once.
  const withPapers = issues.filter((i) => i.count > 0);
  const latest = pages.latest === undefined ? undefined : pages.viewOf(pages.latest);
  const quiet = issues[0] !== undefined && issues[0].count === 0 ? issues[0] : undefined;
  const tags = topics.map(({ name, slug, feedUrl, pageUrl }) => ({ name, slug, feedUrl, pageUrl }));
  out.put(
    'index.html',
    renderIndexPage(
      {
        site,
        feeds,
        tags,
        recent: withPapers.slice(0, RECENT_ISSUES),
        quiet,
        issueCount: issues.length,
        latest: latest && {
          webUrl: latest.webUrl,
          displayDate: latest.displayDate,
          countText: latest.countText,
          lead: latest.papers.slice(0, LATEST_TITLES),
        },
      },
      templates,
    ),
  );
  out.put('archive/index.html', renderArchivePage({ site, feeds, issueCount: issues.length, months: byMonth(issues) }, templates));
  out.put('archive/README.md', renderArchiveIndex(site, feeds, issues, templates));
  out.put('topics/index.html', renderTopicIndex(site, feeds, topics, templates));
  const siteFeed = { title: site.title, xmlUrl: feeds.rss, htmlUrl: `${site.url}/` };
  const topicFeeds = topics.map((t) => ({ title: `${site.title}: ${t.name}`, xmlUrl: t.feeds.rss, htmlUrl: t.pageUrl }));
  out.put('feeds/topics.opml', renderOpml(site, siteFeed, topicFeeds, pages.latest ? new Date(`${pages.latest}T00:00:00Z`) : undefined));
  out.put('sitemap.xml', renderSitemap(sitemap(pages, site)));
  out.put('robots.txt', renderRobots(site));
  out.put('assets/site.css', templates.css);
  out.put('assets/search.js', templates.searchScript);
  out.put('favicon.svg', templates.faviconSvg);
  out.put('favicon.ico', templates.faviconIco);
}

/** The files renderSitePages writes. */
export const SITE_PAGE_FILES = [
  'index.html',
  'archive/index.html',
  'archive/README.md',
  'topics/index.html',
  'feeds/topics.opml',
  'sitemap.xml',
  'robots.txt',
  'assets/site.css',
  'assets/search.js',
  'favicon.svg',
  'favicon.ico',
];
