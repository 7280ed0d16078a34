import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createLibrary } from '../../src/digest/index.ts';
import { createBuilder } from '../../src/site/index.ts';
import { fixture } from '../helpers/paths.ts';
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
    expect(report.indexed).toEqual(['2031']);
    const after = await snapshot(site.outDir);
    // Earlier issues and the year whose papers did not change are left alone, down to their mtimes.
    for (const [path, was] of before) {
      const untouched =
        path.startsWith('pagefind/2030/') || (/^(issues|email|archive)\/20\d\d-\d\d-\d\d\./.test(path) && !/2031-01-0[56]/.test(path));
      if (untouched) expect([path, after.get(path)]).toEqual([path, was]);
    }
    expect(report.written.filter((p) => p.startsWith('pagefind/2030/'))).toEqual([]);
    expect(report.written).toContain('pagefind/2031/pagefind-entry.json');
    expect(report.written.filter((p) => p.startsWith('issues/'))).toEqual([
      `issues/2031-01-05.html`,
      `issues/${NEW_DAY}.html`,
      `issues/${NEW_DAY}.txt`,
    ]);

    const cold = await tempSite(all);
    await cold.build({ all: true });
    expect(hashes(after)).toEqual(hashes(await snapshot(cold.outDir)));
  });

  it("indexes for search only the new papers' year, and finds the other years fresh without making their records", async () => {
    const site = await tempSite(archive(DAYS));
    expect((await site.build({ all: true })).indexed).toEqual(['2030', '2031']);
    const manifest = JSON.parse(await site.read('.build-manifest.json')) as { outputs: Record<string, string> };
    const all = archive([...DAYS, NEW_DAY]);
    const arriving = Object.keys(all).at(-1) as string;
    await site.add(arriving, all[arriving] as string);
    expect((await site.build()).indexed).toEqual(['2031']);
    const next = JSON.parse(await site.read('.build-manifest.json')) as { outputs: Record<string, string> };
    expect(next.outputs['search/2030']).toBe(manifest.outputs['search/2030']);
    expect(next.outputs['search/2031']).not.toBe(manifest.outputs['search/2031']);
    // A digest that only repeats papers an earlier issue carried adds nothing to search.
    await site.add('2031/01/07.md', (all[arriving] as string).replace(NEW_DAY, '2031-01-07'));
    const repeat = await site.build();
    expect(repeat.indexed).toEqual([]);
    expect(repeat.written.filter((p) => p.startsWith('pagefind/'))).toEqual([]);
    const last = JSON.parse(await site.read('.build-manifest.json')) as { outputs: Record<string, string> };
    expect(last.outputs['search/2031']).toBe(next.outputs['search/2031']);
  });
});
