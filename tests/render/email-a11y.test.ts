import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.ts';
import { has } from '../helpers/peers.ts';
import { sampleEmails, type SampleEmail } from './sample-emails.ts';

// Loaded by the tests that run it in Chromium, not with the file: the fast tier skips them.
const axeSource = () => (createRequire(import.meta.url)('axe-core') as { source: string }).source;

interface Violation {
  id: string;
  impact: string | null;
  nodes: { target: unknown[] }[];
}

// Rules an email must pass whatever their impact: it has one main landmark, one h1, and nothing outside landmarks.
const ALWAYS = ['landmark-one-main', 'page-has-heading-one', 'region'];

describe.runIf(has('chromium'))("the email in a screen reader's terms (axe-core in Chromium)", () => {
  let browser: Browser;
  let emails: SampleEmail[];
  beforeAll(async () => {
    [browser, emails] = await Promise.all([launchBrowser(), sampleEmails()]);
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(html: string, colorScheme: 'light' | 'dark'): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 800, height: 1000 }, colorScheme });
    await page.setContent(html);
    return page;
  }

  async function violations(html: string, colorScheme: 'light' | 'dark'): Promise<string[]> {
    const page = await open(html, colorScheme);
    await page.addScriptTag({ content: axeSource() });
    const found = await page.evaluate(async () => {
      const run = (window as unknown as { axe: { run: (context: Document) => Promise<{ violations: Violation[] }> } }).axe.run;
      return (await run(document)).violations;
    });
    await page.close();
    const grave = found.filter((v) => v.impact === 'serious' || v.impact === 'critical' || ALWAYS.includes(v.id));
    return grave.map((v) => `${v.id} (${v.impact}): ${JSON.stringify(v.nodes.slice(0, 3).map((n) => n.target))}`);
  }

  for (const scheme of ['light', 'dark'] as const) {
    it(`has no serious or critical violation, and a main landmark and an h1, in ${scheme}`, async () => {
      for (const email of emails) expect([email.name, await violations(email.html, scheme)]).toEqual([email.name, []]);
    });
  }

  it('sees what is wrong: content outside landmarks, no h1, grey on grey', async () => {
    const bad =
      '<!doctype html><html lang="en"><head><title>x</title></head>' +
      '<body style="background:#f4f4f5"><p style="color:#a1a1aa">Footer</p></body></html>';
    const ids = (await violations(bad, 'light')).map((v) => v.split(' ')[0]).sort();
    expect(ids).toEqual(['color-contrast', 'landmark-one-main', 'page-has-heading-one', 'region']);
  });

  it('names its language and direction, and marks every layout table as presentation', async () => {
    for (const email of emails) {
      const page = await open(email.html, 'light');
      const facts = await page.evaluate(() => ({
        lang: document.documentElement.lang,
        dir: document.documentElement.dir,
        tables: [...document.querySelectorAll('table')].filter((t) => t.getAttribute('role') !== 'presentation').length,
        h1: document.querySelectorAll('h1').length,
        mains: document.querySelectorAll('[role="main"], main').length,
        imagesWithoutAlt: document.querySelectorAll('img:not([alt])').length,
      }));
      expect([email.name, facts]).toEqual([email.name, { lang: 'en', dir: 'ltr', tables: 0, h1: 1, mains: 1, imagesWithoutAlt: 0 }]);
      await page.close();
    }
  });

  it("gives each paper in full a heading below the issue's, its title", async () => {
    const email = emails.find((e) => e.name === 'the six-column fixture');
    const page = await open(email?.html ?? '', 'light');
    const headings = await page.locator('h1, h2').evaluateAll((els) => els.map((e) => `${e.tagName} ${e.textContent}`));
    expect(headings[0]).toBe('H1 Daily PapersMonday, February 3, 2031 · 8 papers');
    expect(headings).toContain('H2 Tiny Kites: Flying Small Models');
    expect(headings.filter((h) => h.startsWith('H2'))).toHaveLength(9);
  });
});
