import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLibrary } from '../../src/digest/index.ts';
import { createBuilder } from '../../src/site/index.ts';
import { fixture } from '../helpers/paths.ts';
import { sixColumnDigest } from '../helpers/digest-text.ts';
import { tempSite } from '../helpers/site.ts';

const read = (name: string) => readFileSync(fixture('digests', name), 'utf8');
const sixColumns = read('six-columns.md');
const threeColumns = read('three-columns.md');

// A day's digest with papers of its own (tagged, or untagged for every third day), as in a real archive.
function digestOf(date: string, n: number): string {
  const id = `${date.slice(2, 4)}${date.slice(5, 7)}.${String(n).padStart(3, '0')}`;
  if (n % 3 === 0) return threeColumns.replace('2031-01-30', date).replaceAll('3101.300', id);
  return sixColumns.replace('2031-02-03', date).replaceAll('3102.000', id);
}

const DAYS = ['2030-12-29', '2030-12-30', '2030-12-31', '2031-01-01', '2031-01-02', '2031-01-05'];
const NEW_DAY = '2031-01-06';

function archive(days: readonly string[]): Record<string, string> {
  return Object.fromEntries(days.map((date, i) => [`${date.slice(0, 4)}/${date.slice(5, 7)}/${date.slice(8)}.md`, digestOf(date, i + 1)]));
}

// Every file under a folder: its bytes' hash and its modification time.
async function snapshot(dir: string): Promise<Map<string, { hash: string; mtimeMs: number }>> {
  const files = new Map<string, { hash: string; mtimeMs: number }>();
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const hash = createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
    files.set(relative(dir, path), { hash, mtimeMs: (await stat(path)).mtimeMs });
  }
  return files;
}

const hashes = (files: Map<string, { hash: string }>) => new Map([...files].map(([path, f]) => [path, f.hash]));

describe('a new digest in a built site', () => {
  it('is published by rendering only what it touches, and gives the site a cold build gives', async () => {
    const site = await tempSite(archive(DAYS));
    await site.build({ all: true });
    const before = await snapshot(site.outDir);
    await new Promise((resolve) => setTimeout(resolve, 20));

    // The new day arrives; a new process (a new builder, nothing in memory) publishes it.
    const all = archive([...DAYS, NEW_DAY]);
    const arriving = Object.keys(all).at(-1) as string;
    await site.add(arriving, all[arriving] as string);
    const builder = createBuilder({ ...site.settings, library: createLibrary(site.digestsDir) });
    const report = await builder.build();

    expect(report.issues.filter((i) => i.rendered).map((i) => i.date)).toEqual(['2031-01-05', NEW_DAY]);
    expect(report.indexed).toEqual(['2031-01-01']);
    const after = await snapshot(site.outDir);
    // Earlier issues and the year whose papers did not change are left alone, down to their mtimes.
    for (const [path, was] of before) {
      const untouched =
        path.startsWith('pagefind/2030/') || (/^(issues|email|archive)\/20\d\d-\d\d-\d\d\./.test(path) && !/2031-01-0[56]/.test(path));
      if (untouched) expect([path, after.get(path)]).toEqual([path, was]);
    }
    expect(report.written.filter((p) => p.startsWith('pagefind/2030/'))).toEqual([]);
    expect(report.written).toContain('pagefind/2031-01-01/pagefind-entry.json');
    expect(report.written.filter((p) => p.startsWith('issues/'))).toEqual([
      `issues/2031-01-05.html`,
      `issues/${NEW_DAY}.html`,
      `issues/${NEW_DAY}.txt`,
    ]);

    const cold = await tempSite(all);
    await cold.build({ all: true });
    expect(hashes(after)).toEqual(hashes(await snapshot(cold.outDir)));
  });

  it("indexes for search only the new papers' half-month, and finds the other indexes fresh without making their records", async () => {
    const site = await tempSite(archive(DAYS));
    expect((await site.build({ all: true })).indexed).toEqual(['2030', '2031-01-01']);
    const manifest = JSON.parse(await site.read('.build-manifest.json')) as { outputs: Record<string, string> };
    const all = archive([...DAYS, NEW_DAY]);
    const arriving = Object.keys(all).at(-1) as string;
    await site.add(arriving, all[arriving] as string);
    expect((await site.build()).indexed).toEqual(['2031-01-01']);
    const next = JSON.parse(await site.read('.build-manifest.json')) as { outputs: Record<string, string> };
    expect(next.outputs['search/2030']).toBe(manifest.outputs['search/2030']);
    expect(next.outputs['search/2031-01-01']).not.toBe(manifest.outputs['search/2031-01-01']);
    // A digest that only repeats papers an earlier issue carried adds nothing to search.
    await site.add('2031/01/07.md', (all[arriving] as string).replace(NEW_DAY, '2031-01-07'));
    const repeat = await site.build();
    expect(repeat.indexed).toEqual([]);
    expect(repeat.written.filter((p) => p.startsWith('pagefind/'))).toEqual([]);
    const last = JSON.parse(await site.read('.build-manifest.json')) as { outputs: Record<string, string> };
    expect(last.outputs['search/2031-01-01']).toBe(next.outputs['search/2031-01-01']);
  });
});

describe('a build of many issues', () => {
  it('renders them on a thread of their own, giving the site a build on one thread gives', async () => {
    const days = Array.from({ length: 12 }, (_, day) => busyDay(day));
    const threaded = await tempSite(Object.fromEntries(days), { issueThreadFrom: 1 });
    const report = await threaded.build({ all: true });
    expect(report.issues.filter((i) => i.rendered && i.emailBytes !== undefined)).toHaveLength(12);
    expect(report.written).toContain(`email/${days[11]?.[0].replace(/\//g, '-').replace(/\.md$/, '')}.html`);
    const alone = await tempSite(Object.fromEntries(days));
    const same = await alone.build({ all: true });
    expect([report.threaded, same.threaded]).toEqual([true, false]);
    expect({ ...report, threaded: false }).toEqual(same);
    expect(hashes(await snapshot(threaded.outDir))).toEqual(hashes(await snapshot(alone.outDir)));
  }, 60_000);
});

describe('the first day of a quarter, in a builder that stays up', () => {
  it('finds the index that folds the last quarter made ahead, and gives the site a cold build gives', async () => {
    const days = ['2031-01-15', '2031-02-16', '2031-03-27', '2031-03-30', '2031-03-31'];
    const site = await tempSite(archive(days));
    const builder = createBuilder({ ...site.settings, library: createLibrary(site.digestsDir), foresee: true });
    try {
      expect((await builder.build({ all: true })).indexed).toEqual(['2031-01-01', '2031-02-16', '2031-03-16']);
      await builder.settled();
      // The last quarter's index is written ahead, in a folder no page names yet.
      expect((await site.files()).has('pagefind/2031-q1/pagefind-entry.json')).toBe(true);
      expect(await site.read('search.html')).not.toContain('2031-q1');
      // One of its chunks is lost before the day comes.
      const fragments = join(site.outDir, 'pagefind', '2031-q1', 'fragment');
      const [lost = ''] = await readdir(fragments);
      await rm(join(fragments, lost));

      const all = archive([...days, '2031-04-01']);
      const arriving = Object.keys(all).at(-1) as string;
      await site.add(arriving, all[arriving] as string);
      const report = await builder.build({ all: true });
      expect(report.indexed).toEqual(['2031-q1', '2031-04-01']);
      // Its chunks were there, but the lost one: the build writes it, and what names them.
      const chunks = report.written.filter((p) => p.startsWith('pagefind/2031-q1/') && !p.endsWith('.json') && !p.endsWith('.js'));
      expect(chunks).toEqual([`pagefind/2031-q1/fragment/${lost}`]);
      await builder.settled();
      const files = await site.files();
      expect([...files.keys()].filter((p) => /^pagefind\/2031-0[123]-/.test(p) || p.startsWith('.removing-'))).toEqual([]);

      const cold = await tempSite(all);
      await cold.build({ all: true });
      expect(hashes(await snapshot(site.outDir))).toEqual(hashes(await snapshot(cold.outDir)));
    } finally {
      await builder.close();
    }
  });
});

// A topic that fills pages: every paper is on Robotics, five a day, and every seventh day's digest
// has no topics (they are inferred, learned from the others).
function busyDay(day: number): [string, string] {
  const date = new Date(Date.UTC(2030, 11, 10) + day * 86_400_000).toISOString().slice(0, 10);
  const id = (n: number) => `30${String(day).padStart(2, '0')}.${String(n).padStart(5, '0')}`;
  const titles = ['Grasping', 'Walking', 'Language', 'Vision', 'Planning'].map((t, n) => `${t} robots, study ${day * 5 + n}`);
  const text =
    day % 7 === 3
      ? `## Papers for ${date}\n\n| Title | Authors | Summary |\n|---|---|---|\n${titles
          .map((t, n) => `| [${t}](https://arxiv.org/abs/${id(n)}) | Ann Lee | A robot learns ${t.toLowerCase()}. |`)
          .join('\n')}\n`
      : sixColumnDigest(
          date,
          titles.map(
            (t, n) =>
              `| [${t}](https://arxiv.org/abs/${id(n)}) | Ann Lee | - A robot learns ${t.toLowerCase()}. | ['Robotics', '${t.split(' ')[0]}'] | N/A | N/A |`,
          ),
        );
  return [`${date.slice(0, 4)}/${date.slice(5, 7)}/${date.slice(8)}.md`, text];
}

describe('a new digest in a site that a builder keeps up, as `start` does', () => {
  it('gives, day after day, the site a fresh build of every digest gives, rendering only what the day touched', async () => {
    const days = Array.from({ length: 40 }, (_, day) => busyDay(day));
    const site = await tempSite(Object.fromEntries(days.slice(0, 38)));
    await site.build({ all: true });
    // 190 Robotics papers: two archived pages of 50, the newest 90 on the front page.
    expect((await site.files()).has('topics/robotics/2.html')).toBe(true);
    expect((await site.files()).has('topics/robotics/3.html')).toBe(false);
    const previousEmail = `email/${days[37]?.[0].replace(/\//g, '-').replace(/\.md$/, '')}.html`;
    for (const [n, [name, text]] of days.slice(38).entries()) {
      const before = await snapshot(site.outDir);
      await new Promise((resolve) => setTimeout(resolve, 20));
      await site.add(name, text);
      const report = await site.build({ all: true });
      expect(report.indexed).toEqual(['2031-01-16']);
      const after = await snapshot(site.outDir);
      // The older month's index, older issues, the emails before the new one, archived topic pages
      // that keep their papers: untouched.
      const kept = [...before.keys()].filter(
        (path) =>
          path.startsWith('pagefind/2030/') ||
          path === 'topics/robotics/1.html' ||
          (n === 0 && path === 'topics/robotics/2.html') ||
          path === (n === 0 ? previousEmail : `email/${days[38]?.[0].replace(/\//g, '-').replace(/\.md$/, '')}.html`) ||
          /^(issues|email|archive)\/2030-12-1\d\./.test(path),
      );
      expect(kept.length).toBeGreaterThan(20);
      for (const path of kept) expect([path, after.get(path)]).toEqual([path, before.get(path)]);
      expect(report.written).toContain('topics/robotics.html');
      // The 200th paper fills a third archived page: the second now links to it.
      if (n === 1) expect(report.written).toEqual(expect.arrayContaining(['topics/robotics/3.html', 'topics/robotics/2.html']));

      const cold = await tempSite(Object.fromEntries(days.slice(0, 39 + n)));
      await cold.build({ all: true });
      expect(hashes(after)).toEqual(hashes(await snapshot(cold.outDir)));
    }
  });
});
