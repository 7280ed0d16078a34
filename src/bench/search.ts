import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { folderSize, timedBuild } from './build.ts';
import { sourceDigests, writeDigestFolder } from './_digests.ts';
import { serveStatic } from './_static.ts';
import type { BenchResult } from './result.ts';

const CHROMIUM = '/usr/bin/chromium';
const QUERIES = ['language', 'quantization', '2410.02740'];

// What a browser downloads for one query, from a cold cache, and the home page's height on a phone.
async function inBrowser(out: string): Promise<Record<string, number | string>> {
  if (!existsSync(CHROMIUM)) return { browser: `no ${CHROMIUM}` };
  const { chromium } = await import('playwright-core').catch(() => ({ chromium: undefined }));
  if (!chromium) return { browser: 'no playwright-core (a development dependency)' };
  const server = await serveStatic(out);
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
  const figures: Record<string, number | string> = {};
  try {
    for (const query of QUERIES) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(`${server.url}/index.html`);
      let index = 0;
      let all = 0;
      page.on('requestfinished', (request) => {
        void request.sizes().then((sizes) => {
          all += sizes.responseBodySize + sizes.responseHeadersSize;
          if (request.url().includes('/pagefind/')) index += sizes.responseBodySize + sizes.responseHeadersSize;
        });
      });
      await page.goto(`${server.url}/search.html?q=${encodeURIComponent(query)}`);
      await page.waitForFunction("/match|No paper/.test(document.querySelector('.search-status')?.textContent ?? '')", null, {
        timeout: 30_000,
      });
      await page.waitForLoadState('networkidle');
      figures[`kB for "${query}" (index / whole page)`] = `${(index / 1000).toFixed(1)} / ${(all / 1000).toFixed(1)}`;
      await context.close();
    }
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await phone.goto(`${server.url}/index.html`);
    figures['home page px at 390 wide'] = await phone.evaluate<number>('document.documentElement.scrollHeight');
  } finally {
    await browser.close();
    await server.close();
  }
  return figures;
}

/** The search index on 600 digests whose papers do not repeat: build time with and without it, its size, a query's download. */
export async function benchSearch(root: string): Promise<BenchResult> {
  const { dir, papers } = await writeDigestFolder(await sourceDigests(root), 600, true);
  const out = await mkdtemp(join(tmpdir(), 'paperboy-bench-out-'));
  const withIndex = timedBuild(root, dir, out, true);
  const without = timedBuild(root, dir, await mkdtemp(join(tmpdir(), 'paperboy-bench-out-')), false);
  const index = await folderSize(join(out, 'pagefind'));
  const figures = await inBrowser(out);
  return {
    name: 'search',
    target: 'build --all of 600 digests of distinct papers with the search index in under 15 s; a query downloads under 500 kB',
    figures: {
      papers,
      'seconds with the index': Number((withIndex / 1000).toFixed(2)),
      'seconds without': Number((without / 1000).toFixed(2)),
      'index files': index.files,
      'index kB': Math.round(index.bytes / 1000),
      ...figures,
    },
    pass: withIndex < 15_000,
  };
}
