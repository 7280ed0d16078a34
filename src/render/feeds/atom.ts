import type { Site } from '../view.ts';
import { escapeHtml } from '../inline.ts';
import type { Channel, Entry } from './channel.ts';
import { baseFeed, historyLinks, HISTORY_NS, insertAfter, itemBase } from './_common.ts';
import { writeItems, type ItemFormat } from './_items.ts';

// The feed package escapes only "&" in attribute values, and validators take "<" in a name for
// markup: angle brackets become their single-guillemet look-alikes there, which no real topic or
// author name contains.
function attributeSafe(text: string): string {
  return text.replaceAll('<', '‹').replaceAll('>', '›');
}

/** A channel as Atom 1.0; titles are written as type="html", so digest text is escaped there. */
export function renderAtom(site: Site, channel: Channel, entries: readonly Entry[], hub?: string): string {
  const format: ItemFormat = {
    write: (some) => {
      const feed = baseFeed(site, channel, (text) => text, hub);
      for (const entry of some) feed.addItem(atomItem(entry));
      return feed.atom1();
    },
    open: '\n    <entry>',
    close: '</entry>',
    kept: KEPT,
  };
  const links = historyLinks(channel).map(([rel, urls]) => `<link rel="${rel}" href="${escapeHtml(urls.atom)}"/>`);
  if (channel.history?.archive) links.push(`<fh:archive xmlns:fh="${HISTORY_NS}"/>`);
  return `${insertAfter(writeItems(entries, format), /<link rel="self"[^>]*\/>/, links)}\n`;
}

const KEPT = new WeakMap<Entry, string>();

function atomItem(entry: Entry) {
  return {
    ...itemBase(entry),
    title: escapeHtml(entry.title),
    category: entry.tags.map((tag) => ({ name: attributeSafe(tag), term: attributeSafe(tag) })),
    author: entry.authors.map((name) => ({ name: attributeSafe(name) })),
  };
}
