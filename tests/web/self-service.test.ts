import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../helpers/browser.ts';
import { has } from '../helpers/peers.ts';
import { paperboy } from '../helpers/cli.ts';
import { SECRET } from '../helpers/dispatch.ts';
import { post, startWeb } from '../helpers/web.ts';

const web = await startWeb();
afterAll(() => web.close());

// Subscribes an address from the home page's form and confirms it from the email's link.
async function subscribeAndConfirm(email: string): Promise<void> {
  expect((await post(web, '/subscribe', { email, cadence: 'daily', topics: ['Robotics'] })).status).toBe(200);
  const confirmation = (await web.mail()).filter((m) => m.to === email && m.subject.startsWith('Confirm')).at(-1);
  const token = /\/confirm\?token=([a-z0-9-]+)/.exec(confirmation?.text ?? '')?.[1] ?? '';
  expect((await post(web, '/confirm', { token })).status).toBe(200);
}

describe('a new subscriber', () => {
  it('gets a welcome email once they confirm: the latest issue, the feeds, their preferences, how to leave', async () => {
    await subscribeAndConfirm('welcome@example.org');
    const subscriber = await web.store.find('welcome@example.org');
    const welcomes = (await web.mail()).filter((m) => m.to === 'welcome@example.org' && m.subject === 'Welcome to Daily Papers');
    expect(welcomes).toHaveLength(1);
    const text = welcomes[0]?.text ?? '';
    expect(text).toContain(`${web.url}/issues/2031-02-03.html`);
    expect(text).toContain(`${web.url}/feeds/rss.xml`);
    expect(text).toContain(`/preferences?token=${await web.token('preferences', subscriber?.id ?? 0)}`);
    expect(text).toContain(`/unsubscribe?token=${await web.token('unsubscribe', subscriber?.id ?? 0)}`);
    expect((await web.store.history(subscriber?.id ?? 0)).map((e) => e.kind)).toContain('welcome-sent');
    // Confirming again sends no second welcome.
    const again = await post(web, '/confirm', { token: await web.token('confirm', subscriber?.id ?? 0, Date.now() / 1000 + 60) });
    expect(again.status).toBe(200);
    expect((await web.mail()).filter((m) => m.to === 'welcome@example.org' && m.subject.startsWith('Welcome'))).toHaveLength(1);
  });
});

describe('their data', () => {
  it('downloads as JSON: address, status, topics, cadence, history with dates and sources, deliveries', async () => {
    await subscribeAndConfirm('curious@example.org');
    const subscriber = await web.store.find('curious@example.org');
    const response = await fetch(`${web.url}/preferences/data?token=${await web.token('preferences', subscriber?.id ?? 0)}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment/);
    const data = (await response.json()) as Record<string, unknown> & { history: { at: string; kind: string; detail: string }[] };
    expect(data).toMatchObject({
      address: 'curious@example.org',
      status: 'confirmed',
      topics: ['Robotics'],
      cadence: 'daily',
      source: 'web',
      deliveries: [],
    });
    expect(data.history.map((e) => e.kind)).toEqual(['added', 'confirmation-sent', 'confirmed', 'welcome-sent']);
    expect(data.history.every((e) => !Number.isNaN(Date.parse(e.at)))).toBe(true);
  });

  it('is erased on request, after a confirmation step: nothing left in the database or its log, and only its owner brings it back', async () => {
    const email = 'forget.me@example.org';
    await subscribeAndConfirm(email);
    const token = await web.token('preferences', (await web.store.find(email))?.id ?? 0);
    const ask = await post(web, '/erase', { token });
    expect(await ask.text()).toContain('Erase everything about you?');
    expect(await web.store.find(email)).toBeDefined();
    const done = await post(web, '/erase', { token, confirm: 'yes' });
    expect(await done.text()).toContain('Erased');
    expect(await web.store.find(email)).toBeUndefined();
    for (const file of ['paperboy.db', 'paperboy.db-wal']) {
      const path = join(web.dataDir, file);
      if (!existsSync(path)) continue;
      const bytes = readFileSync(path).toString('latin1').toLowerCase();
      expect([file, bytes.includes(email)]).toEqual([file, false]);
    }
    const csv = join(web.dataDir, 'back.csv');
    await import('node:fs/promises').then((fs) => fs.writeFile(csv, `email\n${email}\n`));
    const env = { PAPERBOY_DATA_DIR: web.dataDir, PAPERBOY_SECRET: SECRET };
    const imported = await paperboy(['subscribers', 'import', csv, '--confirmed'], { env });
    expect(imported.status).toBe(1);
    expect(imported.stderr).toMatch(/asked not to be mailed/);
    expect((await paperboy(['subscribers', 'add', email, '--confirmed'], { env })).status).toBe(1);
    await subscribeAndConfirm(email);
    expect((await web.store.find(email))?.status).toBe('confirmed');
  });
});

describe('the preferences page', () => {
  it.runIf(has('chromium'))('orders topics by how often they occur, with counts, and fits a 390 px phone without JavaScript', async () => {
    const { subscriber } = await web.store.add({ email: 'tidy@example.org', status: 'confirmed', topics: ['Robotics'], source: 'test' });
    const browser = await launchBrowser();
    try {
      const page = await browser.newPage({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
      await page.goto(`${web.url}/preferences?token=${await web.token('preferences', subscriber.id)}`);
      const counts = await page.$$eval('.topic-grid label .count', (spans) => spans.map((s) => Number(s.textContent)));
      expect(counts.length).toBeGreaterThan(0);
      const shown = counts.slice(0, Math.min(counts.length, 12));
      expect([...shown].sort((a, b) => b - a)).toEqual(shown);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(390);
      await page.check('input[value="Multimodal"]');
      await page.click('form.preferences button[type="submit"]');
      expect((await web.store.get(subscriber.id))?.topics.sort()).toEqual(['Multimodal', 'Robotics']);
    } finally {
      await browser.close();
    }
  });
});
