import { readFileSync } from 'node:fs';
import { DomUtils, parseDocument } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { parseFeeds } from '../helpers/feedparser.ts';
import { fixture } from '../helpers/paths.ts';
import { has } from '../helpers/peers.ts';
import { SITE, tempSite } from '../helpers/site.ts';

// A day without papers: the empty fixture (2031-01-21) between two issues, and again as the newest day.
const emptyOn = (date: string) =>
  readFileSync(fixture('digests', 'empty.md'), 'utf8').replace(/Papers for \d{4}-\d{2}-\d{2}/, `Papers for ${date}`);
const site = await tempSite({
  '2031-01-05.md': readFileSync(fixture('digests', 'four-columns.md'), 'utf8'),
  '2031-01-21.md': emptyOn('2031-01-21'),
  '2031-02-03.md': readFileSync(fixture('digests', 'six-columns.md'), 'utf8'),
  '2031-02-04.md': emptyOn('2031-02-04'),
});
await site.build({ all: true });
const issueUrl = (date: string) => `${SITE.url}/issues/${date}.html`;
const WITH_PAPERS = [issueUrl('2031-02-03'), issueUrl('2031-01-05')];

describe('a day without papers', () => {
  it.runIf(has('python3-feedparser'))('is no entry in the site feeds or a topic feed', async () => {
    const files = await site.files();
    const topicFeeds = [...files.keys()].filter((path) => /^feeds\/tags\/.+\.(?:rss|atom)\.xml$/.test(path));
    expect(topicFeeds.length).toBeGreaterThan(0);
    const [rss, atom, ...topics] = parseFeeds(['feeds/rss.xml', 'feeds/atom.xml', ...topicFeeds].map((path) => files.get(path) ?? ''));
    for (const feed of [rss, atom]) {
      expect(feed?.bozo, feed?.bozoException ?? '').toBe(false);
      expect(feed?.entries.map((e) => e.id)).toEqual(WITH_PAPERS);
    }
    for (const feed of topics) for (const entry of feed.entries) expect(entry.link).not.toMatch(/2031-0(?:1-21|2-04)/);
    const json = JSON.parse(files.get('feeds/feed.json') ?? '');
    expect(json.items.map((item: { id: string }) => item.id)).toEqual(WITH_PAPERS);
  });

  it('is on the web as before: its page, the archive and the sitemap', async () => {
    expect(await site.read('issues/2031-02-04.html')).toContain('0 papers');
    expect(await site.read('issues/2031-01-21.html')).toContain('0 papers');
    const archive = await site.read('archive/index.html');
    for (const date of ['2031-02-04', '2031-02-03', '2031-01-21', '2031-01-05']) expect(archive).toContain(`issues/${date}.html`);
    expect(await site.read('sitemap.xml')).toContain(issueUrl('2031-02-04'));
  });

  it('is not among the recent issues of the home page, which names the newest one once and leads with the latest papers', async () => {
    const home = parseDocument(await site.read('index.html'));
    const section = (name: string) => DomUtils.findOne((e) => e.name === 'section' && e.attribs.class === name, home.children);
    const recent = section('issues');
    const items = DomUtils.findAll((e) => e.name === 'li', recent ? [recent] : []);
    const listed = items.map((li) => DomUtils.findOne((e) => e.name === 'a', [li])?.attribs.href);
    expect(listed).toEqual(WITH_PAPERS);
    const text = DomUtils.textContent(home).replace(/\s+/g, ' ');
    expect(text.match(/No papers on/g)).toHaveLength(1);
    expect(text).toContain('No papers on Tuesday, February 4, 2031.');
    const latest = section('latest');
    expect(latest && DomUtils.findOne((e) => e.name === 'a', [latest])?.attribs.href).toBe(issueUrl('2031-02-03'));
  });

  it('names nothing once a day with papers is newer', async () => {
    const later = await tempSite({
      '2031-01-21.md': emptyOn('2031-01-21'),
      '2031-02-03.md': readFileSync(fixture('digests', 'six-columns.md'), 'utf8'),
    });
    await later.build({ all: true });
    const home = await later.read('index.html');
    expect(home).not.toContain('No papers on');
    expect(home).not.toContain('issues/2031-01-21.html');
  });
});

// Enough issues for an RFC 5005 archive document: 70 days, every seventh without papers.
describe.runIf(has('python3-feedparser'))('days without papers in the feed archive documents', async () => {
  const dateOf = (day: number) => new Date(Date.UTC(2030, 0, day)).toISOString().slice(0, 10);
  const digestOf = (day: number) => {
    const id = `3001.${String(day).padStart(5, '0')}`;
    if (day % 7 === 0) return emptyOn(dateOf(day));
    const header = '| Title | Authors | Summary | Classification | GitHub URLs | HuggingFace URLs |\n|---|---|---|---|---|---|';
    return (
      `## Papers for ${dateOf(day)}\n\n${header}\n` +
      `| [Paper ${id}](https://arxiv.org/abs/${id}) | Ann Lee | A summary. | ['Robotics'] | N/A | N/A |\n`
    );
  };
  const days = Array.from({ length: 70 }, (_, i) => i + 1);
  const many = await tempSite(Object.fromEntries(days.map((day) => [`${dateOf(day)}.md`, digestOf(day)])));
  await many.build({ all: true });

  it('are in none, and every day with papers is in exactly one', async () => {
    const [current, archived] = parseFeeds([await many.read('feeds/atom.xml'), await many.read('feeds/archive/1.atom.xml')]);
    const seen = [...(current?.entries ?? []), ...(archived?.entries ?? [])].map((e) => e.id);
    const expected = days.filter((day) => day % 7 !== 0).map((day) => issueUrl(dateOf(day)));
    expect(seen.sort()).toEqual(expected.sort());
    expect(archived?.entries).toHaveLength(30);
  });
});
