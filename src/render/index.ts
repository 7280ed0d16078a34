export { renderEmail, EMAIL_HTML_LIMIT, styleBytes, type RenderedEmail } from './email.ts';
export { renderFeed, planFeeds, feedPaths, rssText, FEED_ISSUES, FEED_TAG_PAPERS, type FeedPlan, type FeedFiles } from './feeds/index.ts';
export { renderIssuePage, renderIssueText, renderIndexPage, type IssueListing } from './page.ts';
export { renderArchiveIssue, renderArchiveIndex } from './archive.ts';
export { loadTemplates, templateSource, type Templates, type Template, type TemplateSource } from './templates.ts';
export { escapeHtml, inlineHtml, plainText, markdownText, printable } from './inline.ts';
export { PLACEHOLDERS, joinPieces, type Piece, type Slot } from './placeholders.ts';
export {
  issueView,
  siteUrls,
  slugify,
  displayDate,
  countText,
  paperAnchor,
  type Site,
  type IssueView,
  type PaperView,
  type TagView,
  type LinkView,
  type IssueRef,
  type ViewContext,
} from './view.ts';
