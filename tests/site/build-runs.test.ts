import { readFileSync } from 'node:fs';
import { appendFile, cp, mkdir, mkdtemp, readdir, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { templateSource } from '../../src/render/index.ts';
import { spawnPaperboy } from '../helpers/cli.ts';
import { fixture, root } from '../helpers/paths.ts';
import { tempSite } from '../helpers/site.ts';
import { has } from '../helpers/peers.ts';

const sixColumns = readFileSync(fixture('digests', 'six-columns.md'), 'utf8');

// Enough issues for the build to write through its writer thread; each with papers of its own.
function manyDigests(count = 30): Record<string, string> {
  const digests: Record<string, string> = {};
  for (let day = 1; day <= count; day++) {
    const dd = String(day).padStart(2, '0');
    digests[`2031-01-${dd}.md`] = sixColumns.replaceAll('2031-02-03', `2031-01-${dd}`).replaceAll('3102.000', `3101.${dd}0`);
  }
  return digests;
}

// The project's templates, with an issue-page partial that fails on the newest issue only (the
// one with a previous issue and no next), after every other issue was rendered and handed over.
const FAILING = '{{#if previous}}{{#unless next}}{{> issue-nav-missing}}{{/unless}}{{/if}}\n';
async function failingTemplates(): Promise<{ dir: string; mend: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'paperboy-templates-'));
  await cp(join(root, 'templates'), dir, { recursive: true });
  const nav = join(dir, 'partials', 'issue-nav.hbs');
  const original = readFileSync(nav, 'utf8');
  await appendFile(nav, FAILING);
  return { dir, mend: () => writeFile(nav, original) };
}

// The partial that calls the missing one is named, with the line of the call; not the page that includes it.
const TEMPLATE_ERROR = /partials\/issue-nav\.hbs:5: The partial issue-nav-missing could not be found/;

describe('a build that fails', () => {
  it.runIf(has('processes'))(
    'ends paperboy build --all with the error and exit 1, leaving no writer thread to keep it running',
    async () => {
      const cwd = await mkdtemp(join(tmpdir(), 'paperboy-project-'));
      await mkdir(join(cwd, 'digests'));
      for (const [name, text] of Object.entries(manyDigests())) await writeFile(join(cwd, 'digests', name), text);
      const { dir } = await failingTemplates();
      const run = await spawnPaperboy(['build', '--all'], { cwd, env: { PAPERBOY_TEMPLATES_DIR: dir }, timeoutMs: 30_000 });
      expect(run.stderr).toMatch(TEMPLATE_ERROR);
      expect(run.status).toBe(1);
    },
    60_000,
  );

  it('rejects with the template named, and the next build (templates mended) runs and leaves no temporary files', async () => {
    const { dir, mend } = await failingTemplates();
    const site = await tempSite(manyDigests(), { templates: templateSource(dir) });
    await expect(site.build({ all: true })).rejects.toThrow(TEMPLATE_ERROR);
    await mend();
    const report = await site.build({ all: true });
    expect(report.issues.filter((i) => i.rendered)).toHaveLength(30);
    expect(await site.read('pagefind/2031-01-16/pagefind-entry.json')).toContain('"languages"');
    const names = (await readdir(site.outDir, { recursive: true })) as string[];
    expect(names.filter((n) => n.endsWith('.tmp'))).toEqual([]);
  }, 60_000);
});

describe('a build killed while writing the search index', () => {
  it('leaves a chunk cut short, which the next build writes again whole', async () => {
    const site = await tempSite(manyDigests());
    await site.build({ all: true });
    const folder = join(site.outDir, 'pagefind', '2031-01-16', 'fragment');
    const [name = ''] = await readdir(folder);
    const whole = readFileSync(join(folder, name));
    // Killed before its manifest was written: the next build makes the index again.
    await truncate(join(folder, name), Math.floor(whole.length / 2));
    await rm(join(site.outDir, '.build-manifest.json'));
    const next = await site.build({ all: true });
    expect(next.written).toContain(`pagefind/2031-01-16/fragment/${name}`);
    expect(readFileSync(join(folder, name)).equals(whole)).toBe(true);
  }, 60_000);
});

describe('builds asked for together', () => {
  it('run one after the other: both resolve, the second finds nothing to do, and out/ is what one build makes', async () => {
    const digests = manyDigests();
    const together = await tempSite(digests);
    const [first, second] = await Promise.all([together.build({ all: true }), together.build({ all: true })]);
    expect(first.issues.filter((i) => i.rendered)).toHaveLength(30);
    expect(second.issues.filter((i) => i.rendered)).toEqual([]);
    expect(second.written).toEqual([]);
    const alone = await tempSite(digests);
    await alone.build({ all: true });
    expect(await together.files()).toEqual(await alone.files());
  }, 60_000);

  it('do not share a failure: a build that fails leaves the one after it to run', async () => {
    const site = await tempSite(manyDigests(3));
    const [failed, built] = await Promise.allSettled([site.build({ date: '2031-02-30' }), site.build({ all: true })]);
    expect(failed.status === 'rejected' && String(failed.reason)).toMatch(/no digest for 2031-02-30/);
    expect(built.status === 'fulfilled' && built.value.issues.map((i) => i.date)).toEqual(['2031-01-01', '2031-01-02', '2031-01-03']);
  });
});
