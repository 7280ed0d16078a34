import type { Site } from '../view.ts';
import type { Channel, Entry } from './channel.ts';
import { baseFeed } from './_common.ts';

/** A channel as JSON Feed 1.1: `authors` and `language`, which the feed package does not write. */
export function renderJsonFeed(site: Site, channel: Channel, entries: readonly Entry[], hub?: string): string {
  const feed = baseFeed(site, channel, (text) => text, hub);
  for (const entry of entries) {
    feed.addItem({
      title: entry.title,
      id: entry.id,
      guid: entry.id,
      link: entry.link,
      date: entry.date,
      published: entry.date,
      description: entry.summary,
      content: entry.content,
      category: entry.tags.map((tag) => ({ name: tag, term: tag })),
    });
  }
  const json = JSON.parse(feed.json1()) as Record<string, unknown> & { items: Record<string, unknown>[] };
  const { author, items, ...rest } = json;
  const document = {
    ...rest,
    version: 'https://jsonfeed.org/version/1.1',
    language: site.language,
    authors: [author],
    // JSON Feed's own paging: the next document holds older items.
    ...(channel.history?.previous ? { next_url: channel.history.previous.json } : {}),
    items: items.map(({ author: _author, ...item }, i) => {
      const names = entries[i]?.authors ?? [];
      return { ...item, ...(names.length > 0 ? { authors: names.map((name) => ({ name })) } : {}) };
    }),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}
