import { describe, expect, it } from 'vitest';
import { renderAtom } from '../../src/render/feeds/atom.ts';
import type { Channel, Entry } from '../../src/render/feeds/channel.ts';
import { renderJsonFeed } from '../../src/render/feeds/json.ts';
import { renderRss } from '../../src/render/feeds/rss.ts';
import { SITE } from '../helpers/site.ts';

const channel: Channel = {
  title: 'Daily Papers',
  description: 'New papers',
  urls: { rss: `${SITE.url}/feeds/rss.xml`, atom: `${SITE.url}/feeds/atom.xml`, json: `${SITE.url}/feeds/feed.json` },
  updated: new Date('2031-02-03T00:00:00Z'),
};

// Entries whose content holds what a document is cut apart at: an item's and an entry's opening
// line, and their closing tags.
function entries(): Entry[] {
  const content = [
    '<p>plain</p>',
    '<p>an item opens</p>\n        <item><p>inside</p>',
    '<p>an entry opens</p>\n    <entry>',
    '<p>closes</p></item></entry>',
    '<p>plain again</p>',
  ];
  return content.map((html, i) => ({
    id: `${SITE.url}/issues/2031-02-0${i + 1}.html`,
    link: `${SITE.url}/issues/2031-02-0${i + 1}.html`,
    title: `Issue ${i + 1} <b>&</b>`,
    summary: `Summary ${i + 1}`,
    content: html,
    date: new Date(`2031-02-0${i + 1}T00:00:00Z`),
    authors: i % 2 ? ['Ada Lovelace'] : [],
    tags: ['Robotics'],
  }));
}

describe('feed entries written together', () => {
  for (const [name, render] of [
    ['RSS', renderRss],
    ['Atom', renderAtom],
    ['JSON Feed', renderJsonFeed],
  ] as const) {
    it(`gives the ${name} document that entries written one at a time give`, () => {
      const together = render(SITE, channel, entries());
      const alone = entries();
      for (const entry of alone) render(SITE, channel, [entry]);
      expect(together).toBe(render(SITE, channel, alone));
      expect(together).toContain('<p>plain again</p>');
    });
  }
});
