import type { Site } from '../view.ts';
import type { Channel, Entry } from './channel.ts';
import { baseFeed } from './_common.ts';

type JsonFeed = Record<string, unknown> & { items: Record<string, unknown>[] };

/** A channel as JSON Feed 1.1: `authors` and `language`, which the feed package does not write. */
export function renderJsonFeed(site: Site, channel: Channel, entries: readonly Entry[], hub?: string): string {
  const write = (some: readonly Entry[]) => {
    const feed = baseFeed(site, channel, (text) => text, hub);
    for (const entry of some) feed.addItem(jsonItem(entry));
    return JSON.parse(feed.json1()) as JsonFeed;
  };
  const { author, items: _none, ...rest } = write([]);
  const document = {
    ...rest,
    version: 'https://jsonfeed.org/version/1.1',
    language: site.language,
    authors: [author],
    // JSON Feed's own paging: the next document holds older items.
    ...(channel.history?.previous ? { next_url: channel.history.previous.json } : {}),
    items: [],
  };
  const head = JSON.stringify(document, null, 2);
  if (entries.length === 0) return `${head}\n`;
  // Each item as JSON.stringify writes it two levels down, written once per entry (those not kept
  // yet, in one document): the items close the document.
  const missing = [...new Set(entries.filter((entry) => !KEPT.has(entry)))];
  const together = missing.length > 1 ? write(missing).items : [];
  missing.forEach((entry, i) => {
    const written = together.length === missing.length ? together[i] : write([entry]).items[0];
    const { author: _author, ...item } = written ?? {};
    const names = entry.authors;
    const shown = { ...item, ...(names.length > 0 ? { authors: names.map((name) => ({ name })) } : {}) };
    KEPT.set(entry, JSON.stringify(shown, null, 2).replace(/^/gm, '    '));
  });
  const items = entries.map((entry) => KEPT.get(entry));
  return `${head.slice(0, -'[]\n}'.length)}[\n${items.join(',\n')}\n  ]\n}\n`;
}

const KEPT = new WeakMap<Entry, string>();

function jsonItem(entry: Entry) {
  return {
    title: entry.title,
    id: entry.id,
    guid: entry.id,
    link: entry.link,
    date: entry.date,
    published: entry.date,
    description: entry.summary,
    content: entry.content,
    category: entry.tags.map((tag) => ({ name: tag, term: tag })),
  };
}
