import { Feed } from 'feed';
import type { Site } from '../view.ts';
import type { Channel } from './channel.ts';

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
