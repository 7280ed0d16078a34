import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument, DomUtils } from 'htmlparser2';
import { describe, expect, it } from 'vitest';
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
    for (const path of ['index.html', 'archive/README.md', 'feeds/rss.xml', 'feeds/atom.xml', 'feeds/feed.json', 'feeds/tags/robotics.rss.xml', 'feeds/tags/robotics.atom.xml', 'feeds/tags/robotics.json']) {
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
    const alternates = DomUtils.getElementsByTagName('link', page).filter((l) => l.attribs.rel === 'alternate').map((l) => [l.attribs.type, l.attribs.href]);
    expect(alternates).toEqual([
      ['application/rss+xml', `${SITE.url}/feeds/rss.xml`],
      ['application/atom+xml', `${SITE.url}/feeds/atom.xml`],
      ['application/feed+json', `${SITE.url}/feeds/feed.json`],
    ]);
    const index = await site.read('index.html');
    expect(index.indexOf('2031-02-03')).toBeLessThan(index.indexOf('2031-01-05'));
    const archive = await site.read('archive/README.md');
    expect(archive).toMatch(/\| \[2031-02-03\]\(2031-02-03\.md\) \| 8 \| Tiny Kites: Flying Small Models \|\n\| \[2031-01-30\]\(2031-01-30\.md\) \| 3 \|/);
    const issue = await site.read('archive/2031-02-03.md');
    expect(issue).toContain('## 1. Tiny Kites: Flying Small Models');
    expect(issue).toContain('- It trains them on kites.');
    expect(issue).not.toContain('| Title |');
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
