import { parseDocument, DomUtils } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { FEED_BYTES } from '../../src/render/index.ts';
import { parseFeed } from '../helpers/feedparser.ts';
import { hasFeedValidator, validateFeed } from '../helpers/feedvalidator.ts';
import { parseOpml } from '../helpers/opml.ts';
import { SITE, tempSite } from '../helpers/site.ts';
import { has } from '../helpers/peers.ts';

const TOPICS = ['Robotics', 'Multimodal', 'Natural Language Processing'];
const dateOf = (day: number) => new Date(Date.UTC(2023, 0, day)).toISOString().slice(0, 10);

function digest(day: number): string {
  const rows = [1, 2].map((n) => {
    const id = `2301.${String(day * 10 + n).padStart(5, '0')}`;
    return `| [Paper ${id}](https://arxiv.org/abs/${id}) | Ann Lee | A summary of ${id}. | ['${TOPICS[(day + n) % TOPICS.length]}'] | N/A | N/A |`;
  });
  return (
    `## Papers for ${dateOf(day)}\n\n` +
    '| Title | Authors | Summary | Classification | GitHub URLs | HuggingFace URLs |\n|---|---|---|---|---|---|\n' +
    `${rows.join('\n')}\n`
  );
}

// 95 issues: two archive pages of 30 and a current feed of 35.
const ISSUES = 95;
const digests = Object.fromEntries(Array.from({ length: ISSUES }, (_, i) => [`${dateOf(i + 1)}.md`, digest(i + 1)]));
const site = await tempSite(digests);
await site.build({ all: true });
const local = (url: string) => url.slice(SITE.url.length + 1);

// The RFC 5005 links of a document: <link rel> in Atom, <atom:link rel> in RSS.
function links(xml: string): Map<string, string> {
  const doc = parseDocument(xml, { xmlMode: true });
  const found = DomUtils.findAll((e) => (e.name === 'link' || e.name === 'atom:link') && typeof e.attribs.rel === 'string', doc.children);
  return new Map(found.map((e) => [e.attribs.rel as string, e.attribs.href as string]));
}

describe('the site feeds reach back (RFC 5005)', () => {
  for (const start of ['feeds/rss.xml', 'feeds/atom.xml']) {
    it.runIf(has('python3-feedparser'))(`${start}: walking prev-archive meets every issue exactly once, back to the first`, async () => {
      const seen: string[] = [];
      let path: string | undefined = start;
      const documents: string[] = [];
      while (path !== undefined) {
        const xml = await site.read(path);
        documents.push(path);
        const feed = parseFeed(xml);
        expect(feed.bozo, feed.bozoException ?? '').toBe(false);
        seen.push(...feed.entries.map((e) => e.id));
        const rel = links(xml);
        if (path !== start) {
          expect(rel.get('current')).toBe(`${SITE.url}/${start}`);
          expect(xml).toMatch(/<fh:archive xmlns:fh="http:\/\/purl\.org\/syndication\/history\/1\.0"\/>/);
        }
        const previous = rel.get('prev-archive');
        path = previous === undefined ? undefined : local(previous);
      }
      expect(documents).toHaveLength(3);
      expect(seen).toHaveLength(ISSUES);
      expect(new Set(seen).size).toBe(ISSUES);
      expect(seen.at(-1)).toBe(`${SITE.url}/issues/${dateOf(1)}.html`);
      expect(seen[0]).toBe(`${SITE.url}/issues/${dateOf(ISSUES)}.html`);
    });
  }

  it('keeps archive documents stable as new issues arrive', async () => {
    const before = await site.read('feeds/archive/1.atom.xml');
    const again = await tempSite({ ...digests, [`${dateOf(ISSUES + 1)}.md`]: digest(ISSUES + 1) });
    await again.build({ all: true });
    expect(await again.read('feeds/archive/1.atom.xml')).toBe(before);
  });

  it('pages JSON Feed the same way, with next_url', async () => {
    const ids: string[] = [];
    let path: string | undefined = 'feeds/feed.json';
    while (path !== undefined) {
      const feed = JSON.parse(await site.read(path)) as { items: { id: string }[]; next_url?: string };
      ids.push(...feed.items.map((i) => i.id));
      path = feed.next_url === undefined ? undefined : local(feed.next_url);
    }
    expect(new Set(ids).size).toBe(ISSUES);
    expect(ids).toHaveLength(ISSUES);
  });

  it.runIf(has('python3-feedparser'))(
    'names the newsletter as the author of each issue and its topics as categories, as feedparser reads them',
    async () => {
      for (const path of ['feeds/rss.xml', 'feeds/atom.xml', 'feeds/archive/1.rss.xml']) {
        const feed = parseFeed(await site.read(path));
        for (const entry of feed.entries) {
          expect(entry.authors).toEqual([SITE.title]);
          expect(entry.tags.length).toBeGreaterThan(0);
          expect(entry.tags.every((t) => TOPICS.includes(t))).toBe(true);
        }
      }
    },
  );

  it.skipIf(!hasFeedValidator)('passes the W3C feed validator, current and archive documents', async () => {
    for (const path of [
      'feeds/rss.xml',
      'feeds/atom.xml',
      'feeds/archive/1.rss.xml',
      'feeds/archive/2.atom.xml',
      'feeds/tags/robotics.rss.xml',
    ]) {
      expect([path, validateFeed(await site.read(path), `${SITE.url}/${path}`)]).toEqual([path, []]);
    }
  });
});

describe('the current site feed, within its size budget', () => {
  // Twelve issues of 40 papers with long summaries: some 60 kB of HTML each, far more than the budget in all.
  const words = 'a method that learns to align vision and language with fewer labels and more robust transfer'.split(' ');
  const long = (seed: number) => Array.from({ length: 110 }, (_, i) => words[(i * 7 + seed) % words.length]).join(' ');
  const big = (day: number) => {
    const rows = Array.from({ length: 40 }, (_, n) => {
      const id = `2302.${String(day * 100 + n).padStart(5, '0')}`;
      return `| [Large paper ${id}](https://arxiv.org/abs/${id}) | Ann Lee, Bo Chen | ${long(day + n)}. | ['${TOPICS[n % TOPICS.length]}'] | N/A | N/A |`;
    });
    return (
      `## Papers for ${dateOf(day)}\n\n` +
      '| Title | Authors | Summary | Classification | GitHub URLs | HuggingFace URLs |\n|---|---|---|---|---|---|\n' +
      `${rows.join('\n')}\n`
    );
  };
  const LARGE = 12;

  it.runIf(has('python3-feedparser'))(
    'carries the newest issues in full up to the budget in each format, and lists the older ones by title',
    async () => {
      const large = await tempSite(Object.fromEntries(Array.from({ length: LARGE }, (_, i) => [`${dateOf(i + 1)}.md`, big(i + 1)])));
      await large.build({ all: true });
      for (const path of ['feeds/rss.xml', 'feeds/atom.xml', 'feeds/feed.json']) {
        const bytes = Buffer.byteLength(await large.read(path));
        expect([path, bytes > FEED_BYTES * 0.7, bytes <= FEED_BYTES]).toEqual([path, true, true]);
      }
      for (const path of ['feeds/rss.xml', 'feeds/atom.xml']) {
        const feed = parseFeed(await large.read(path));
        expect(feed.bozo, feed.bozoException ?? '').toBe(false);
        // Every issue is still there, newest first; the newest ones with their summaries, the others by their titles.
        expect(feed.entries.map((e) => e.id)).toEqual(
          Array.from({ length: LARGE }, (_, i) => `${SITE.url}/issues/${dateOf(LARGE - i)}.html`),
        );
        const full = feed.entries.map((e) => !e.content.includes('Read the issue on the web'));
        const inFull = full.filter(Boolean).length;
        expect(inFull).toBeGreaterThanOrEqual(1);
        expect(inFull).toBeLessThan(LARGE);
        expect(full).toEqual(full.map((_, i) => i < inFull));
        expect(feed.entries[0]?.content).toContain(long(LARGE).slice(0, 200));
        const listed = feed.entries.at(-1)?.content ?? '';
        expect(listed).toContain('Read the issue on the web');
        expect(listed).toContain(`Large paper 2302.${String(100).padStart(5, '0')}`);
        expect(listed).not.toContain(long(1).slice(0, 200));
      }
      const json = JSON.parse(await large.read('feeds/feed.json')) as { items: { id: string; content_html: string }[] };
      expect(json.items).toHaveLength(LARGE);
      expect(json.items.filter((i) => !i.content_html.includes('Read the issue on the web')).length).toBeGreaterThanOrEqual(1);
    },
  );

  it.runIf(has('python3-feedparser'))('keeps every issue in full while they fit', async () => {
    for (const path of ['feeds/rss.xml', 'feeds/atom.xml']) {
      const feed = parseFeed(await site.read(path));
      expect(feed.entries.length).toBeGreaterThan(30);
      expect(feed.entries.filter((e) => e.content.includes('Read the issue on the web'))).toEqual([]);
    }
  });
});

describe('feeds/topics.opml', () => {
  it.runIf(has('python3-listparser'))(
    'is OPML 2.0 with the site feed and one outline per topic feed, linked from the topic index',
    async () => {
      const xml = await site.read('feeds/topics.opml');
      const opml = parseOpml(xml);
      expect(opml.bozo).toBe(false);
      expect(opml.version).toBe('opml2');
      const urls = opml.feeds.map((f) => f.url);
      expect(urls[0]).toBe(`${SITE.url}/feeds/rss.xml`);
      const topicFeeds = TOPICS.map((t) => `${SITE.url}/feeds/tags/${t.toLowerCase().replaceAll(' ', '-')}.rss.xml`).sort();
      expect(urls.slice(1).sort()).toEqual(topicFeeds);
      for (const url of urls) expect(await site.read(local(url))).toContain('<rss');
      expect(await site.read('topics/index.html')).toContain(`href="${SITE.url}/feeds/topics.opml"`);
    },
  );
});
