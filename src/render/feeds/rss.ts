import type { Site } from '../view.ts';
import { escapeHtml } from '../inline.ts';
import type { Channel, Entry } from './channel.ts';
import { baseFeed, historyLinks, HISTORY_NS, insertAfter, itemBase } from './_common.ts';
import { writeItems, type ItemFormat } from './_items.ts';

/**
 * RSS text fields are text that many readers decode as HTML: "&", "<" and ">" go as hexadecimal
 * references, as the RSS profile asks.
 */
export function rssText(text: string): string {
  return text.replaceAll('&', '&#x26;').replaceAll('<', '&#x3C;').replaceAll('>', '&#x3E;');
}

/** A channel as RSS 2.0; authors as Dublin Core creators (RSS wants an email in `<author>`). */
export function renderRss(site: Site, channel: Channel, entries: readonly Entry[], hub?: string): string {
  const format: ItemFormat = {
    write: (some) => {
      const feed = baseFeed(site, channel, rssText, hub);
      for (const entry of some) feed.addItem(rssItem(entry));
      return feed.rss2();
    },
    open: '\n        <item>',
    close: '</item>',
    kept: KEPT,
  };
  const links = historyLinks(channel).map(
    ([rel, urls]) => `<atom:link href="${escapeHtml(urls.rss)}" rel="${rel}" type="application/rss+xml"/>`,
  );
  if (channel.history?.archive) links.push(`<fh:archive xmlns:fh="${HISTORY_NS}"/>`);
  return `${insertAfter(writeItems(entries, format), /<atom:link [^>]*rel="self"[^>]*\/>/, links)}\n`;
}

const KEPT = new WeakMap<Entry, string>();

function rssItem(entry: Entry) {
  return {
    ...itemBase(entry),
    title: rssText(entry.title),
    category: entry.tags.map((tag) => ({ name: rssText(tag), term: rssText(tag) })),
    ...(entry.authors.length > 0 ? { extensions: [{ name: 'dc:creator', objects: { _text: rssText(entry.authors.join(', ')) } }] } : {}),
  };
}
