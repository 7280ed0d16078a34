import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.ts';
import { has } from '../helpers/peers.ts';
import { startWeb, type TestWeb } from '../helpers/web.ts';

describe.runIf(has('chromium'))('search through paperboy serve', () => {
  let web: TestWeb;
  let browser: Browser;
  beforeAll(async () => {
    [web, browser] = await Promise.all([startWeb(), launchBrowser()]);
  });
  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  it('runs in the browser under the server content security policy, and links to the paper', async () => {
    const page = await browser.newPage();
    const refused: string[] = [];
    page.on('console', (message) => {
      if (/Content Security Policy|Refused|worker encountered|falling back/i.test(message.text())) refused.push(message.text());
    });
    await page.goto(`${web.url}/`);
    await page.locator('#site-search').fill('kites');
    await page.locator('form.search button').click();
    await page.waitForFunction(() => /match|No paper/.test(document.querySelector('.search-status')?.textContent ?? ''), null, {
      timeout: 15_000,
    });
    const results = await page.locator('.search-result h2 a').evaluateAll((as) => as.map((a) => (a as HTMLAnchorElement).href));
    expect(results[0]).toBe(`${web.url}/issues/2031-02-03.html#arxiv-3102-00001`);
    // The snippet is the summary, its matches marked: the title and the authors are shown just above it.
    const first = page.locator('.search-result').first();
    expect(await first.locator('h2').textContent()).toBe('Tiny Kites: Flying Small Models');
    expect(await first.locator('.meta').textContent()).toContain('Ana Núñez, Pål Ødegård, kiteflyer');
    const snippet = (await first.locator('.summary').textContent()) ?? '';
    expect(snippet).toMatch(/^Tiny Kites studies small models\./);
    expect(snippet).not.toContain('Flying Small Models');
    expect(snippet).not.toContain('Núñez');
    const marked = await first.locator('.summary mark').allTextContents();
    expect(marked.length).toBeGreaterThan(0);
    expect(marked.every((word) => /kite/i.test(word))).toBe(true);
    expect(refused).toEqual([]);
    await page.close();
  });
});
