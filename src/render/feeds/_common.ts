import { Feed, type Item } from 'feed';
import { escapeHtml } from '../inline.ts';
import type { Site } from '../view.ts';
import type { Channel, ChannelUrls, Entry } from './channel.ts';

/** A `feed` package channel with the settings every format shares; `text` prepares its plain text. */
export function baseFeed(site: Site, channel: Channel, text: (value: string) => string, hub: string | undefined): Feed {
  return new Feed({
    id: channel.urls.atom,
    title: text(channel.title),
    description: text(channel.description),
    link: `${site.url}/`,
    language: site.language,
    updated: channel.updated,
    generator: 'paperboy',
    feedLinks: channel.urls,
    author: { name: site.title, link: `${site.url}/` },
    ...(hub ? { hub } : {}),
  });
}

/** The RFC 5005 namespace of `fh:archive`. */
export const HISTORY_NS = 'http://purl.org/syndication/history/1.0';

/** A channel's RFC 5005 links, as (relation, URLs) pairs: current, prev-archive, next-archive. */
export function historyLinks(channel: Channel): [string, ChannelUrls][] {
  const history = channel.history;
  if (!history) return [];
  const links: [string, ChannelUrls | undefined][] = [
    ['current', history.current],
    ['prev-archive', history.previous],
    ['next-archive', history.next],
  ];
  return links.filter((link): link is [string, ChannelUrls] => link[1] !== undefined);
}

/** Puts `lines` into an XML document right after the first line that matches `after`, at its indent. */
export function insertAfter(xml: string, after: RegExp, lines: readonly string[]): string {
  if (lines.length === 0) return xml;
  const match = after.exec(xml);
  if (!match) throw new Error(`feed: no ${after} to put RFC 5005 links after`);
  const indent = /[ \t]*$/.exec(xml.slice(0, match.index))?.[0] ?? '';
  const end = match.index + match[0].length;
  return `${xml.slice(0, end)}${lines.map((line) => `\n${indent}${line}`).join('')}${xml.slice(end)}`;
}

/** The fields of an item that RSS and Atom write alike; each format adds its title, topics and authors. */
export function itemBase(entry: Entry): Pick<Item, 'id' | 'guid' | 'link' | 'date' | 'published' | 'description' | 'content'> {
  return {
    id: entry.id,
    guid: entry.id,
    link: entry.link,
    date: entry.date,
    published: entry.date,
    description: escapeHtml(entry.summary),
    content: entry.content,
  };
}
