import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fixClock } from '../helpers/clock.ts';
import { expectGolden } from '../helpers/golden.ts';
import { parseFeed } from '../helpers/feedparser.ts';
import { fixture } from '../helpers/paths.ts';
import { has } from '../helpers/peers.ts';
import { SITE, tempSite } from '../helpers/site.ts';

fixClock();

const sixColumns = readFileSync(fixture('digests', 'six-columns.md'), 'utf8');
const fourColumns = readFileSync(fixture('digests', 'four-columns.md'), 'utf8');

function smallDigest(date: string, ids: string[], tag = 'Robotics'): string {
  const rows = ids.map((id) => `| [Paper ${id}](https://arxiv.org/abs/${id}) | Ann Lee | A summary of ${id}. | ['${tag}'] | N/A | N/A |`);
  return (
    `## Papers for ${date}\n\n` +
    '| Title | Authors | Summary | Classification | GitHub URLs | HuggingFace URLs |\n|---|---|---|---|---|---|\n' +
    `${rows.join('\n')}\n`
  );
}

describe('the site feeds', async () => {
  const site = await tempSite({ '2031-01-05.md': fourColumns, '2031-02-03.md': sixColumns });
  await site.build({ all: true });

  it('match their golden files', async () => {
    for (const name of ['rss.xml', 'atom.xml', 'feed.json']) expectGolden(`feeds/${name}`, await site.read(`feeds/${name}`));
    expectGolden('feeds/tags/robotics.atom.xml', await site.read('feeds/tags/robotics.atom.xml'));
  });

  for (const [name, version] of [
    ['rss.xml', 'rss20'],
    ['atom.xml', 'atom10'],
  ] as const) {
    it.runIf(has('python3-feedparser'))(
      `${name} reads back in feedparser: one entry per issue, newest first, with stable ids`,
      async () => {
        const feed = parseFeed(await site.read(`feeds/${name}`));
        expect(feed.bozo, feed.bozoException ?? '').toBe(false);
        expect(feed.version).toBe(version);
        expect(feed.links.some((l) => l.rel === 'self' && l.href === `${SITE.url}/feeds/${name}`)).toBe(true);
        expect(feed.entries.map((e) => e.id)).toEqual([`${SITE.url}/issues/2031-02-03.html`, `${SITE.url}/issues/2031-01-05.html`]);
        expect(feed.entries[0]?.title).toBe('Monday, February 3, 2031: 8 papers');
        expect(feed.entries[0]?.content).toContain(
          '<h2><a href="https://arxiv.org/abs/3102.00001">Tiny Kites: Flying Small Models</a></h2>',
        );
        expect(feed.entries[0]?.content).not.toMatch(/<table/);
      },
    );
  }

  it.runIf(has('python3-feedparser'))(
    'writes one feed per tag, one entry per paper, with titles as written and authors and terms',
    async () => {
      for (const format of ['rss.xml', 'atom.xml']) {
        const feed = parseFeed(await site.read(`feeds/tags/other.${format}`));
        expect(feed.bozo, feed.bozoException ?? '').toBe(false);
        const think = feed.entries.find((e) => e.id === 'https://arxiv.org/abs/3102.00007');
        expect(think?.title).toBe("<think> So let's see... </think> Lessons learned");
        expect(think?.authors.join(', ')).toContain('Gus Hill');
        expect(think?.tags).toContain('Other');
      }
    },
  );

  it('writes JSON Feed 1.1 with its required fields', async () => {
    for (const path of ['feeds/feed.json', 'feeds/tags/robotics.json']) {
      const feed = JSON.parse(await site.read(path));
      expect(feed.version).toBe('https://jsonfeed.org/version/1.1');
      expect(typeof feed.title).toBe('string');
      expect(feed.language).toBe('en');
      expect(feed.authors).toEqual([{ name: 'Daily Papers', url: `${SITE.url}/` }]);
      expect(feed.author).toBeUndefined();
      for (const item of feed.items) {
        expect(typeof item.id).toBe('string');
        expect(typeof item.content_html === 'string' || typeof item.content_text === 'string').toBe(true);
        expect(item.author).toBeUndefined();
      }
    }
  });
});

describe('feed ids and limits', () => {
  it.runIf(has('python3-feedparser'))(
    'keep every id when new issues arrive, and a paper that reappears keeps its first entry',
    async () => {
      const site = await tempSite({ '2031-05-01.md': smallDigest('2031-05-01', ['3105.00001', '3105.00002']) });
      await site.build();
      const before = parseFeed(await site.read('feeds/tags/robotics.atom.xml'));
      await site.add('2031-05-02.md', smallDigest('2031-05-02', ['3105.00003', '3105.00001']));
      await site.build();
      const after = parseFeed(await site.read('feeds/tags/robotics.atom.xml'));
      expect(after.entries.map((e) => e.id)).toEqual([
        'https://arxiv.org/abs/3105.00003',
        'https://arxiv.org/abs/3105.00001',
        'https://arxiv.org/abs/3105.00002',
      ]);
      for (const entry of before.entries) {
        expect(after.entries.find((e) => e.id === entry.id)?.published).toBe(entry.published);
      }
      const issues = parseFeed(await site.read('feeds/atom.xml'));
      expect(issues.entries.map((e) => e.id)).toEqual([`${SITE.url}/issues/2031-05-02.html`, `${SITE.url}/issues/2031-05-01.html`]);
    },
  );

  it.runIf(has('python3-feedparser'))(
    'list a paper a digest names twice under one topic once, in the topic feed and on the topic page alike',
    async () => {
      const site = await tempSite({ '2031-05-01.md': smallDigest('2031-05-01', ['3105.00001', '3105.00002', '3105.00001']) });
      await site.build();
      const feed = parseFeed(await site.read('feeds/tags/robotics.atom.xml'));
      expect(feed.entries.map((e) => e.id)).toEqual(['https://arxiv.org/abs/3105.00001', 'https://arxiv.org/abs/3105.00002']);
      const page = await site.read('topics/robotics.html');
      expect(page.match(/arxiv\.org\/abs\/3105\.00001"/g)).toHaveLength(1);
    },
  );

  it.runIf(has('python3-feedparser'))(
    'carry every issue until two pages of 30 are reached, and the newest 50 papers of a tag',
    async () => {
      const digests: Record<string, string> = {};
      const dateOf = (day: number) => new Date(Date.UTC(2031, 6, day)).toISOString().slice(0, 10);
      for (let day = 1; day <= 35; day++) {
        const date = dateOf(day);
        digests[`${date}.md`] = smallDigest(
          date,
          [1, 2].map((n) => `3107.${String(day * 10 + n).padStart(5, '0')}`),
        );
      }
      const site = await tempSite(digests);
      await site.build({ all: true });
      const issues = parseFeed(await site.read('feeds/rss.xml'));
      expect(issues.entries).toHaveLength(35);
      expect(issues.entries[0]?.id).toBe(`${SITE.url}/issues/${dateOf(35)}.html`);
      expect(issues.entries.at(-1)?.id).toBe(`${SITE.url}/issues/${dateOf(1)}.html`);
      expect(issues.links.some((l) => l.rel === 'prev-archive')).toBe(false);
      const tag = JSON.parse(await site.read('feeds/tags/robotics.json'));
      expect(tag.items).toHaveLength(50);
      expect(tag.items[0].id).toBe('https://arxiv.org/abs/3107.00351');
    },
  );
});
