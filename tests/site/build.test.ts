import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument, DomUtils } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
import { papersFor } from '../../src/deliver/index.ts';
import { paperboy } from '../helpers/cli.ts';
import { fixture } from '../helpers/paths.ts';
import { SITE, tempSite } from '../helpers/site.ts';

const read = (name: string) => readFileSync(fixture('digests', name), 'utf8');
const digests = {
  '2031-01-05.md': read('four-columns.md'),
  '2031-01-30.md': read('three-columns.md'),
  '2031-02-03.md': read('six-columns.md'),
};

describe('paperboy build', () => {
  it('renders the newest digest, then every one with --all, each output where the contract puts it', async () => {
    const site = await tempSite(digests);
    const first = await site.build();
    expect(first.issues.map((i) => i.date)).toEqual(['2031-01-30', '2031-02-03']);
    const all = await site.build({ all: true });
    expect(all.issues.filter((i) => i.rendered).map((i) => i.date)).toEqual(['2031-01-05']);
    const files = [...(await site.files()).keys()];
    for (const date of Object.keys(digests).map((n) => n.slice(0, 10))) {
      for (const path of [`email/${date}.html`, `email/${date}.txt`, `issues/${date}.html`, `issues/${date}.txt`, `archive/${date}.md`]) {
        expect(files).toContain(path);
      }
    }
    for (const path of [
      'index.html',
      'archive/README.md',
      'feeds/rss.xml',
      'feeds/atom.xml',
      'feeds/feed.json',
      'feeds/tags/robotics.rss.xml',
      'feeds/tags/robotics.atom.xml',
      'feeds/tags/robotics.json',
    ]) {
      expect(files).toContain(path);
    }
  });

  it('renders one date with --date and refuses a date it has no digest for', async () => {
    const site = await tempSite(digests);
    expect((await site.build({ date: '2031-01-05' })).issues.map((i) => i.date)).toEqual(['2031-01-05', '2031-01-30']);
    await expect(site.build({ date: '2031-01-06' })).rejects.toThrow(/no digest for 2031-01-06/);
  });

  it('is incremental: nothing is written again when nothing changed, and a change renders only what it touches', async () => {
    const site = await tempSite(digests);
    await site.build({ all: true });
    const again = await site.build({ all: true });
    expect(again.written).toEqual([]);
    expect(again.issues.every((i) => !i.rendered)).toBe(true);
    await site.add('2031-01-30.md', read('three-columns.md').replace('Roman Numerals', 'Roman Numerals, Revised'));
    const changed = await site.build({ all: true });
    expect(changed.issues.filter((i) => i.rendered).map((i) => i.date)).toEqual(['2031-01-30']);
    expect(changed.written).toContain('issues/2031-01-30.html');
    expect(changed.written).toContain('feeds/rss.xml');
    expect(changed.written).not.toContain('issues/2031-02-03.html');
  });

  it('indexes for search again only the periods whose papers changed: a half-month, a quarter folded, a year folded', async () => {
    const site = await tempSite(digests);
    // The newest digest's quarter is indexed by half-month, each named by its first day.
    expect((await site.build({ all: true })).indexed).toEqual(['2031-01-01', '2031-01-16', '2031-02-01']);
    const day = (date: string, prefix: string) => read('six-columns.md').replace('2031-02-03', date).replaceAll('3102.', prefix);
    await site.add('2031-02-04.md', day('2031-02-04', '3112.'));
    const sameMonth = await site.build({ all: true });
    expect(sameMonth.indexed).toEqual(['2031-02-01']);
    expect(sameMonth.written.filter((p) => p.startsWith('pagefind/2031-01-'))).toEqual([]);
    // A new quarter folds the last one's half-months into one index.
    await site.add('2031-04-01.md', day('2031-04-01', '3104.'));
    expect((await site.build({ all: true })).indexed).toEqual(['2031-q1', '2031-04-01']);
    expect(await site.read('search.html')).toContain('data-indexes="pagefind/2031-04-01/ pagefind/2031-q1/"');
    for (const period of ['2031-01-01', '2031-01-16', '2031-02-01']) expect(existsSync(join(site.outDir, 'pagefind', period))).toBe(false);
    // A new year folds the last one's into one index.
    await site.add('2032-01-02.md', day('2032-01-02', '3201.'));
    const next = await site.build({ all: true });
    expect(next.indexed).toEqual(['2031', '2032-01-01']);
    expect(next.written).toContain('pagefind/2032-01-01/pagefind-entry.json');
    expect(next.written).toContain('search.html');
    expect(await site.read('search.html')).toContain('data-indexes="pagefind/2032-01-01/ pagefind/2031/"');
    expect(existsSync(join(site.outDir, 'pagefind', '2031-q1'))).toBe(false);
  });

  it('removes the monthly indexes an earlier version made, and names only the half-months', async () => {
    const site = await tempSite(digests);
    await site.build({ all: true });
    // As an earlier version left it: one index a month, named in the manifest.
    await mkdir(join(site.outDir, 'pagefind', '2031-02'), { recursive: true });
    await writeFile(join(site.outDir, 'pagefind', '2031-02', 'pagefind-entry.json'), '{}');
    const manifest = JSON.parse(await site.read('.build-manifest.json')) as { outputs: Record<string, string> };
    manifest.outputs['search/2031-02'] = 'an earlier key';
    await writeFile(join(site.outDir, '.build-manifest.json'), JSON.stringify(manifest));
    await site.add('2031-02-04.md', read('six-columns.md').replace('2031-02-03', '2031-02-04').replaceAll('3102.', '3112.'));
    expect((await site.build({ all: true })).indexed).toEqual(['2031-02-01']);
    expect(existsSync(join(site.outDir, 'pagefind', '2031-02'))).toBe(false);
    expect(await site.read('search.html')).toContain('data-indexes="pagefind/2031-02-01/ pagefind/2031-01-16/ pagefind/2031-01-01/"');
    const after = JSON.parse(await site.read('.build-manifest.json')) as { outputs: Record<string, string> };
    expect(after.outputs['search/2031-02']).toBeUndefined();
  });

  it('gives the same bytes when built again from the same input, whatever the time', async () => {
    const site = await tempSite(digests);
    await site.build({ all: true });
    const before = await site.files();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const forced = await site.build({ all: true, force: true });
    expect(forced.written).toEqual([]);
    expect(await site.files()).toEqual(before);
  });

  it('links each issue page to its neighbours and to all three feeds', async () => {
    const site = await tempSite(digests);
    await site.build({ all: true });
    const page = parseDocument(await site.read('issues/2031-01-30.html'));
    const links = DomUtils.getElementsByTagName('a', page).map((a) => [a.attribs.rel, a.attribs.href]);
    expect(links).toContainEqual(['prev', `${SITE.url}/issues/2031-01-05.html`]);
    expect(links).toContainEqual(['next', `${SITE.url}/issues/2031-02-03.html`]);
    const alternates = DomUtils.getElementsByTagName('link', page)
      .filter((l) => l.attribs.rel === 'alternate')
      .map((l) => [l.attribs.type, l.attribs.href]);
    expect(alternates).toEqual([
      ['application/rss+xml', `${SITE.url}/feeds/rss.xml`],
      ['application/atom+xml', `${SITE.url}/feeds/atom.xml`],
      ['application/feed+json', `${SITE.url}/feeds/feed.json`],
    ]);
    const index = await site.read('index.html');
    expect(index.indexOf('2031-02-03')).toBeLessThan(index.indexOf('2031-01-05'));
    const archive = await site.read('archive/README.md');
    expect(archive).toMatch(
      /\| \[2031-02-03\]\(2031-02-03\.md\) \| 8 \| Tiny Kites: Flying Small Models \|\n\| \[2031-01-30\]\(2031-01-30\.md\) \| 3 \|/,
    );
    const issue = await site.read('archive/2031-02-03.md');
    expect(issue).toContain('## 1. Tiny Kites: Flying Small Models');
    expect(issue).toContain('- It trains them on kites.');
    expect(issue).not.toContain('| Title |');
  });

  it('gives every page Open Graph and Twitter tags, the icon and the search box, and lists every page in the sitemap', async () => {
    const site = await tempSite(digests);
    await site.build({ all: true });
    const files = await site.files();
    const pages = [...files.keys()].filter((p) => p.endsWith('.html') && !p.startsWith('email/'));
    expect(pages).toEqual(
      expect.arrayContaining([
        'index.html',
        'archive/index.html',
        'topics/index.html',
        'topics/robotics.html',
        'search.html',
        'issues/2031-01-05.html',
      ]),
    );
    const sitemap = parseDocument(files.get('sitemap.xml') ?? '', { xmlMode: true });
    const listed = DomUtils.getElementsByTagName('loc', sitemap).map((l) => DomUtils.textContent(l));
    for (const path of pages) {
      const page = parseDocument(files.get(path) ?? '');
      const meta = (key: string) =>
        DomUtils.findOne((e) => e.name === 'meta' && (e.attribs.property === key || e.attribs.name === key), page.children)?.attribs
          .content;
      const url = path === 'index.html' ? `${SITE.url}/` : `${SITE.url}/${path}`;
      expect([path, meta('og:title'), meta('twitter:card'), meta('og:url')]).toEqual([path, expect.any(String), 'summary', url]);
      expect([path, meta('og:description'), meta('twitter:description')]).toEqual([path, expect.any(String), expect.any(String)]);
      const icons = DomUtils.getElementsByTagName('link', page)
        .filter((l) => l.attribs.rel === 'icon')
        .map((l) => l.attribs.href);
      expect(icons).toEqual([`${SITE.url}/favicon.ico`, `${SITE.url}/favicon.svg`]);
      expect(DomUtils.findOne((e) => e.name === 'form' && e.attribs.role === 'search', page.children)?.attribs.action).toBe(
        `${SITE.url}/search.html`,
      );
      if (path !== 'search.html') expect([path, listed.includes(url)]).toEqual([path, true]);
    }
    expect(files.get('robots.txt')).toContain(`Sitemap: ${SITE.url}/sitemap.xml`);
    expect(readFileSync(join(site.outDir, 'favicon.ico')).subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0]));
    expect(files.get('favicon.svg')).toMatch(/^<svg /);
    const issue = parseDocument(files.get('issues/2031-02-03.html') ?? '');
    expect(DomUtils.findOne((e) => e.name === 'form' && e.attribs.class === 'subscribe', issue.children)?.attribs.action).toBe(
      `${SITE.url}/subscribe`,
    );
  });

  it('stops on a broken digest with the reader message and leaves out/ exactly as it was', async () => {
    const site = await tempSite(digests);
    await site.build({ all: true });
    const before = await site.files();
    await site.add('2031-02-04.md', '## Papers for 2031-02-04\n\n| Title | Authors | Summary | Link |\n|---|---|---|---|\n| T | A | S |\n');
    await expect(site.build({ all: true })).rejects.toThrow(`${join(site.digestsDir, '2031-02-04.md')}:5: row has 3 cells, expected 4`);
    expect(await site.files()).toEqual(before);
  });
});

describe('paperboy build on the command line', () => {
  async function project(): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), 'paperboy-project-'));
    await mkdir(join(dir, 'digests'));
    await writeFile(join(dir, 'digests', '2031-02-03.md'), digests['2031-02-03.md']);
    return dir;
  }

  it('builds into out/ of the working folder and says what it did', async () => {
    const cwd = await project();
    const run = await paperboy(['build'], { cwd });
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^built 2031-02-03: 8 papers, email [\d.]+ kB\n\d+ files written, 0 unchanged, in [\d.]+ s\n$/);
    expect(readFileSync(join(cwd, 'out', 'email', '2031-02-03.txt'), 'utf8')).toContain('Tiny Kites');
  });

  it('exits 2 on --date with --all or a malformed date, 1 on a broken digest', async () => {
    const cwd = await project();
    expect((await paperboy(['build', '--all', '--date', '2031-02-03'], { cwd })).status).toBe(2);
    expect((await paperboy(['build', '--date', 'yesterday'], { cwd })).status).toBe(2);
    await writeFile(join(cwd, 'digests', '2031-02-04.md'), '## Papers for 2031-02-04\n\nno table\n');
    const run = await paperboy(['build'], { cwd });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('2031-02-04.md:1: no table after the heading');
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('papers without topics', () => {
  it('get inferred topics in the issue to mail (so topic subscribers get them), the topic feed and the topic page', async () => {
    const untagged =
      '## Papers for 2031-03-01\n\n| Title | Authors | Summary |\n|---|---|---|\n' +
      '| Reinforcement Learning for Robot Manipulation (Read more on [arXiv](https://arxiv.org/abs/3103.00001)) | Ann Lee | ' +
      'A robot learns to grasp with reinforcement learning and a reward model. |\n';
    const site = await tempSite({ ...digests, '2031-03-01.md': untagged });
    await site.build({ all: true });
    const issue = await site.builder.issue('2031-03-01');
    const [paper] = issue.digest.papers;
    expect(paper?.tagsInferred).toBe(true);
    expect(paper?.tags).toEqual(expect.arrayContaining(['Robotics']));
    expect(papersFor(issue.digest, ['robotics'])).toEqual([paper]);
    expect(await site.read('feeds/tags/robotics.atom.xml')).toContain('https://arxiv.org/abs/3103.00001');
    const topicPage = await site.read('topics/robotics.html');
    expect(topicPage).toContain('Reinforcement Learning for Robot Manipulation');
    expect(topicPage).toContain('topics inferred');
  });
});
