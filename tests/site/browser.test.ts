import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.ts';
import { has } from '../helpers/peers.ts';
import { serveFolder } from '../helpers/static-server.ts';
import { tempSite } from '../helpers/site.ts';

// 120 daily issues across two years (so two search indexes: 2023, and January 2024 by month), ~40 topics, one topic on every
// issue (so it fills pages), and one digest without Classification (so its topics are inferred).
const ISSUES = 120;
const dateOf = (i: number) => new Date(Date.UTC(2023, 9, 1) + i * 86_400_000).toISOString().slice(0, 10);
const idOf = (i: number, n: number) => `2308.${String(i * 10 + n).padStart(5, '0')}`;
const AREAS =
  'Alpha Bravo Charlie Delta Echo Foxtrot Golf Hotel India Juliett Kilo Lima Mike November Oscar Papa Romeo Sierra Tango Uniform'.split(
    ' ',
  );
const topicOf = (i: number) => `${AREAS[i % AREAS.length]} ${i % 40 < 20 ? 'Studies' : 'Methods'}`;

function digest(i: number): string {
  const date = dateOf(i);
  // The newest issue has titles as long as real ones, which wrap on a phone.
  const long = i === ISSUES - 1 ? ': Scaling Sparse Mixture-of-Experts Transformers for Long-Context Multimodal Reasoning' : '';
  const titles = [
    `Paper ${i} about kites and wind${long}`,
    i === 7 ? 'Quokka Navigation in Dense Forests' : `A second study number ${i}${long}`,
  ];
  if (i === 100) {
    const rows = titles.map(
      (t, n) =>
        `| ${t} for Large Language Models (Read more on [arXiv](https://arxiv.org/abs/${idOf(i, n)})) | Ann Lee | ` +
        'We train an LLM with reinforcement learning and a reward model. |',
    );
    return `## Papers for ${date}\n\n| Title | Authors | Summary |\n|---|---|---|\n${rows.join('\n')}\n`;
  }
  const rows = titles.map(
    (t, n) =>
      `| [${t}](https://arxiv.org/abs/${idOf(i, n)}) | Ann Lee, Bo Chen | Summary of paper ${n} of day ${i}. | ['Robotics', '${topicOf(i + n)}'] | N/A | N/A |`,
  );
  return (
    `## Papers for ${date}\n\n` +
    '| Title | Authors | Summary | Classification | GitHub URLs | HuggingFace URLs |\n|---|---|---|---|---|---|\n' +
    `${rows.join('\n')}\n`
  );
}

let server: Awaited<ReturnType<typeof serveFolder>>;
let browser: Browser;

async function servedSite(): Promise<void> {
  const site = await tempSite(Object.fromEntries(Array.from({ length: ISSUES }, (_, i) => [`${dateOf(i)}.md`, digest(i)])));
  server = await serveFolder(site.outDir);
  site.settings.site = { ...site.settings.site, url: server.url };
  await site.build({ all: true });
}

async function phone(): Promise<Page> {
  return browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 1 });
}

async function search(page: Page, query: string): Promise<{ status: string; results: { href: string; text: string }[] }> {
  await page.goto(`${server.url}/search.html?q=${encodeURIComponent(query)}`);
  await page.waitForFunction(() => /match|No paper/.test(document.querySelector('.search-status')?.textContent ?? ''), null, {
    timeout: 15_000,
  });
  const results = await page
    .locator('.search-result h2 a')
    .evaluateAll((as) => as.map((a) => ({ href: (a as HTMLAnchorElement).href, text: a.textContent ?? '' })));
  return { status: (await page.locator('.search-status').textContent()) ?? '', results };
}

describe.runIf(has('chromium'))('the reader site in Chromium, served as plain static files', () => {
  beforeAll(async () => {
    [browser] = await Promise.all([launchBrowser(), servedSite()]);
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('keeps the home page short on a phone: the form and the latest titles on the first screen', async () => {
    const page = await phone();
    await page.goto(`${server.url}/`);
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    expect(height).toBeLessThan(4000);
    const bottom = async (selector: string) => page.locator(selector).evaluate((e) => e.getBoundingClientRect().bottom);
    expect(await bottom('form.subscribe button[type=submit]')).toBeLessThanOrEqual(844);
    expect(await bottom('.latest .more a')).toBeLessThanOrEqual(844);
    expect(await bottom('.latest li:nth-child(2)')).toBeLessThanOrEqual(844);
    expect(await page.locator('.latest .more a').textContent()).toBe('All 2 papers');
    expect(await page.locator('.issues li').count()).toBe(30);
    await page.locator('.issues .more a').click();
    expect(page.url()).toBe(`${server.url}/archive/index.html`);
    await page.close();
  });

  it('lists every issue in the archive, by month, with counts and lead titles', async () => {
    const page = await phone();
    await page.goto(`${server.url}/archive/index.html`);
    expect(await page.locator('.archive-issues > li').count()).toBe(ISSUES);
    const months = await page.locator('section.month h2').allTextContents();
    expect(months[0]).toBe('January 2024');
    expect(months.at(-1)).toBe('October 2023');
    const oldest = page.locator('.archive-issues > li').last();
    expect(await oldest.textContent()).toContain('2 papers');
    expect(await oldest.locator('.leads li').first().textContent()).toBe('Paper 0 about kites and wind');
    await page.close();
  });

  it('pages a topic from its oldest papers, 50 a page, the newest on its front page, each linking to its place in its issue', async () => {
    const page = await phone();
    await page.goto(`${server.url}/topics/robotics.html`);
    expect(await page.locator('h1').textContent()).toBe('Robotics');
    const total = Number(/(\d+) papers, newest first/.exec((await page.locator('.intro p').nth(1).textContent()) ?? '')?.[1]);
    // Full pages of 50 are cut from the oldest paper; the front page holds the newest 50 to 99.
    const archived = Math.floor((total - 50) / 50);
    expect(archived).toBeGreaterThan(1);
    expect(await page.locator('.topic-papers > li').count()).toBe(total - archived * 50);
    expect(await page.locator('.topic-papers').getAttribute('start')).toBe(String(total));
    expect(await page.locator('form.subscribe input[name=topics][value=Robotics]').isChecked()).toBe(true);
    const feeds = await page.locator('link[rel=alternate]').evaluateAll((ls) => ls.map((l) => (l as HTMLLinkElement).href));
    expect(feeds).toContain(`${server.url}/feeds/tags/robotics.atom.xml`);
    const first = await page.locator('.topic-papers h2 a').first().textContent();
    expect(first).toMatch(new RegExp(`^Paper ${ISSUES - 1} about kites and wind`));
    await page.locator('a[rel=next]').first().click();
    expect(page.url()).toBe(`${server.url}/topics/robotics/${archived}.html`);
    expect(await page.locator('.topic-papers > li').count()).toBe(50);
    expect(await page.locator('.topic-papers').getAttribute('start')).toBe(String(archived * 50));
    await page.locator('a[rel=prev]').first().click();
    expect(page.url()).toBe(`${server.url}/topics/robotics.html`);
    await page.goto(`${server.url}/topics/robotics/1.html`);
    expect(await page.locator('.topic-papers h2 a').last().textContent()).toMatch(/^A second study number 0\b/);
    expect(await page.locator('a[rel=next]').count()).toBe(0);
    const link = page.locator('.topic-papers h2 a').first();
    const href = (await link.getAttribute('href')) ?? '';
    await link.click();
    const anchor = href.split('#')[1] ?? '';
    expect(page.url()).toBe(href);
    expect(await page.locator(`[id="${anchor}"]`).count()).toBe(1);
    await page.close();
  });

  it('shows inferred topics as such, on the topic pages of papers that had none', async () => {
    const page = await phone();
    await page.goto(`${server.url}/issues/${dateOf(100)}.html`);
    expect(await page.locator('.tags .inferred').first().textContent()).toBe('topics inferred');
    const topic = page.locator('.paper .tags a').first();
    await topic.click();
    expect(page.url()).toMatch(/\/topics\/[a-z-]+\.html$/);
    // The inferred paper is on one of the topic's pages.
    let found = 0;
    for (let n = 0; n < 6 && found === 0; n++) {
      found = await page.locator('.topic-papers h2 a', { hasText: 'for Large Language Models' }).count();
      const older = page.locator('a[rel=next]').first();
      if (found === 0 && (await older.count()) > 0) await older.click();
    }
    expect(found).toBeGreaterThan(0);
    await page.close();
  });

  it('finds a word of an older issue title, and a paper by its arXiv id, from the box on any page', async () => {
    const page = await phone();
    await page.goto(`${server.url}/issues/${dateOf(ISSUES - 1)}.html`);
    await page.locator('#site-search').fill('quokka');
    await page.locator('form.search button').click();
    await page.waitForURL(/search\.html\?q=quokka/);
    const byWord = await search(page, 'quokka');
    expect(byWord.results).toEqual([
      { href: `${server.url}/issues/${dateOf(7)}.html#arxiv-${idOf(7, 1).replace('.', '-')}`, text: 'Quokka Navigation in Dense Forests' },
    ]);
    const byId = await search(page, idOf(110, 0));
    expect(byId.results[0]?.href).toBe(`${server.url}/issues/${dateOf(110)}.html#arxiv-${idOf(110, 0).replace('.', '-')}`);
    expect((await search(page, 'zyzzyva')).status).toContain('No paper matches');
    await page.close();
  });
});
