export { renderEmail, loadEmailCompiler, EMAIL_HTML_LIMIT, styleBytes, type RenderedEmail } from './email.ts';
export {
  renderFeed,
  planFeeds,
  papersByTopic,
  feedPaths,
  renderOpml,
  FEED_BYTES,
  type FeedPlan,
  type FeedFiles,
  type OpmlFeed,
  type TopicPapers,
} from './feeds/index.ts';
export {
  renderIssuePage,
  renderIssueText,
  renderIndexPage,
  renderArchivePage,
  renderTopicPage,
  renderTopicIndex,
  renderSearchPage,
  type IssueListing,
  type TopicListing,
  type HomeView,
  type ArchiveView,
  type TopicPageView,
  type TopicPaper,
} from './page.ts';
export { renderSitemap, renderRobots, type SitemapEntry } from './sitemap.ts';
export { renderArchiveIssue, renderArchiveIndex } from './archive.ts';
export { loadTemplates, templateSource, type Templates, type Template, type TemplateSource } from './templates.ts';
export { escapeHtml, inlineHtml, plainText, markdownText, printable } from './inline.ts';
// How an email's papers are cut to its budget (for its tests), and how plain text is wrapped.
export { largestCut, lastFitFrom, type Cut } from './budget.ts';
export { wrapText } from './_wrap.ts';
export { PLACEHOLDERS, type Piece, type Placeholder } from './placeholders.ts';
export {
  issueView,
  siteUrls,
  tagView,
  slugify,
  displayDate,
  countText,
  paperAnchor,
  paperIn,
  type Site,
  type IssueView,
  type PaperView,
  type TagView,
  type LinkView,
  type IssueRef,
  type ViewContext,
} from './view.ts';
