import { escapeHtml } from '../inline.ts';
import type { Site } from '../view.ts';

/** A feed for the OPML list: its title, its RSS and its web page. */
export interface OpmlFeed {
  title: string;
  xmlUrl: string;
  htmlUrl: string;
}

/** `feeds/topics.opml` (OPML 2.0): the site feed, then every topic feed, for a reader to import at once. */
export function renderOpml(site: Site, siteFeed: OpmlFeed, topics: readonly OpmlFeed[], dateCreated: Date | undefined): string {
  const outline = (feed: OpmlFeed, indent: string) =>
    `${indent}<outline type="rss" text="${escapeHtml(feed.title)}" title="${escapeHtml(feed.title)}" ` +
    `xmlUrl="${escapeHtml(feed.xmlUrl)}" htmlUrl="${escapeHtml(feed.htmlUrl)}"/>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<opml version="2.0">',
    '  <head>',
    `    <title>${escapeHtml(site.title)}: every feed</title>`,
    ...(dateCreated ? [`    <dateCreated>${dateCreated.toUTCString()}</dateCreated>`] : []),
    `    <ownerName>${escapeHtml(site.title)}</ownerName>`,
    `    <docs>http://opml.org/spec2.opml</docs>`,
    '  </head>',
    '  <body>',
    outline(siteFeed, '    '),
    `    <outline text="Topics" title="Topics">`,
    ...topics.map((t) => outline(t, '      ')),
    '    </outline>',
    '  </body>',
    '</opml>',
    '',
  ].join('\n');
}
