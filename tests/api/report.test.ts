import { createHash, randomBytes } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderReport } from '../../src/report/index.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { has } from '../helpers/peers.ts';
import { startWeb, type TestWeb } from '../helpers/web.ts';

const TOKEN = randomBytes(24).toString('base64url');

describe('GET /api/v1/report', () => {
  let web: TestWeb;
  beforeAll(async () => {
    web = await startWeb({ adminToken: TOKEN });
  });
  afterAll(async () => {
    await web.close();
  });
  const get = (query: string, token: string | null = TOKEN) =>
    fetch(`${web.url}/api/v1/report${query}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });

  it('is the page `paperboy report` writes, for the admin token only', async () => {
    await web.store.add({ email: 'ann@example.org', status: 'confirmed', source: 'test' });
    const answer = await get('?days=7');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await answer.text();
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).not.toMatch(/<script|ann@example\.org/i);
    // Served under a policy that allows its one inline style, by hash, and no script.
    const style = /<style>(.*?)<\/style>/s.exec(html)?.[1] ?? '';
    const policy = answer.headers.get('content-security-policy') ?? '';
    expect(policy).toContain(`style-src 'sha256-${createHash('sha256').update(style).digest('base64')}'`);
    expect(policy).toMatch(/^default-src 'none'/);
    expect(policy).not.toMatch(/unsafe-inline|script-src/);

    // The page the command writes from the same list, but for the moment it was made at.
    const undated = (page: string) => page.replace(/\d{4}-\d\d-\d\d[ T]\d\d:\d\d(?::\d\d(?:\.\d+)?)?Z?(?: UTC)?/g, '');
    expect(undated(html)).toBe(undated(renderReport(await web.app.report(7))));
    expect(html).toContain('1 confirmed');

    for (const token of [null, 'x'.repeat(40)]) {
      const refused = await get('', token);
      expect(refused.status).toBe(401);
      expect(await refused.text()).not.toContain('<svg');
    }
  });

  it('refuses a number of days out of range, naming the field', async () => {
    for (const days of ['0', '3661', 'many']) {
      const answer = await get(`?days=${days}`);
      expect(answer.status).toBe(400);
      expect(((await answer.json()) as { field?: string }).field).toBe('query.days');
    }
  });

  describe.runIf(has('chromium'))('in Chromium, under the policy it is served with', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
    });

    it('keeps its own style, in light and dark, and may run no script', async () => {
      for (const scheme of ['light', 'dark'] as const) {
        const page = await browser.newPage({ colorScheme: scheme, extraHTTPHeaders: { authorization: `Bearer ${TOKEN}` } });
        const refused: string[] = [];
        page.on('console', (message) => {
          if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
        });
        await page.goto(`${web.url}/api/v1/report?days=7`);
        const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        expect(background).toBe(scheme === 'light' ? 'rgb(255, 255, 255)' : 'rgb(22, 22, 26)');
        expect(refused).toEqual([]);
        await expect(page.addScriptTag({ content: 'document.title = "ran"' })).rejects.toThrow();
        expect(await page.title()).not.toBe('ran');
        await page.close();
      }
    });
  });
});
