import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { dispatchIssue } from '../../src/deliver/index.ts';
import { fileTransport } from '../../src/deliver/index.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { fixtureIssue, testContext } from '../helpers/dispatch.ts';
import { startWeb, type TestWeb } from '../helpers/web.ts';

describe('a reader in a real browser', () => {
  let web: TestWeb;
  let browser: Browser;
  beforeAll(async () => {
    web = await startWeb();
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await web?.close();
  });

  it('subscribes, confirms from the email, receives an issue, and leaves from its unsubscribe link', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });

    // The home page: the newsletter, its latest titles, the form.
    await page.goto(`${web.url}/`);
    await expect(page.getByRole('heading', { name: 'Daily Papers', level: 1 }).isVisible()).resolves.toBe(true);
    expect(await page.getByText('Tiny Kites: Flying Small Models').first().isVisible()).toBe(true);
    await page.getByLabel('Email address').fill('reader@example.org');
    await page.getByLabel('Once a week').check();
    await page.getByLabel('Every day').check();
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.waitForURL(`${web.url}/subscribe`);
    expect(await page.getByRole('heading', { name: 'Check your inbox' }).isVisible()).toBe(true);
    expect(web.store.find('reader@example.org')?.status).toBe('pending');

    // The confirmation email in out/outbox/, and its link.
    const confirmation = (await web.mail()).find((m) => m.to === 'reader@example.org');
    expect(confirmation?.subject).toBe('Confirm your subscription to Daily Papers');
    const confirmUrl = /(http:\/\/127\.0\.0\.1:\d+\/confirm\?token=\S+)/.exec(confirmation?.text ?? '')?.[1];
    expect(confirmUrl).toBeDefined();
    await page.goto(confirmUrl as string);
    expect(await page.getByRole('heading', { name: 'Confirm your subscription' }).isVisible()).toBe(true);
    expect(web.store.find('reader@example.org')?.status).toBe('pending');
    await page.getByRole('button', { name: 'Confirm my subscription' }).click();
    await page.waitForURL(`${web.url}/confirm`);
    expect(await page.getByRole('heading', { name: 'You are subscribed' }).isVisible()).toBe(true);
    expect(web.store.find('reader@example.org')?.status).toBe('confirmed');

    // An issue is dispatched; the reader's copy carries their own unsubscribe link.
    const issue = await fixtureIssue();
    const summary = await dispatchIssue(issue, testContext(web.db, fileTransport(web.outbox), { site: web.ctx.site }));
    expect(summary.sent).toBe(1);
    const received = (await web.mail()).find((m) => m.to === 'reader@example.org' && m.subject.includes('8 papers'));
    expect(received?.text).toContain('Tiny Kites: Flying Small Models');
    const unsubscribeUrl = /Unsubscribe: (\S+)/.exec(received?.text ?? '')?.[1];
    expect(unsubscribeUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/unsubscribe\?token=u/);

    // Following it shows one button; pressing it unsubscribes, and offers a way back.
    await page.goto(unsubscribeUrl as string);
    expect(await page.getByRole('heading', { name: 'Unsubscribe?' }).isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: /fewer emails/ }).isVisible()).toBe(true);
    expect(web.store.find('reader@example.org')?.status).toBe('confirmed');
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await page.waitForURL(`${web.url}/unsubscribe`);
    expect(await page.getByRole('heading', { name: 'You are unsubscribed' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Subscribe again' }).isVisible()).toBe(true);
    expect(web.store.find('reader@example.org')?.status).toBe('unsubscribed');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });
});
