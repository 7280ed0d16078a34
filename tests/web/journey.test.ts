import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { dispatchIssue } from '../../src/deliver/index.ts';
import { fileTransport } from '../../src/deliver/index.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { has } from '../helpers/peers.ts';
import { fixtureIssue, testContext } from '../helpers/dispatch.ts';
import { startWeb, type TestWeb } from '../helpers/web.ts';

// Where each cadence radio button sits against its words, and against the legend, in CSS pixels.
function cadenceBoxes(page: Page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('fieldset.cadence label')].map((label) => {
      const radio = (label.querySelector('input') as HTMLInputElement).getBoundingClientRect();
      const words = document.createRange();
      words.setStartAfter(label.querySelector('input') as HTMLInputElement);
      words.setEndAfter(label.lastChild as Node);
      const text = words.getBoundingClientRect();
      const legend = (document.querySelector('fieldset.cadence legend') as HTMLElement).getBoundingClientRect();
      return {
        radioMiddle: (radio.top + radio.bottom) / 2,
        textMiddle: (text.top + text.bottom) / 2,
        radioLeft: radio.left,
        textLeft: text.left,
        legendRight: legend.right,
        textHeight: text.height,
      };
    }),
  );
}

// Each radio button centred on its words (one line each), the two one above the other, right of the legend.
async function expectAligned(page: Page): Promise<void> {
  const boxes = await cadenceBoxes(page);
  expect(boxes).toHaveLength(2);
  for (const box of boxes) {
    expect(Math.abs(box.radioMiddle - box.textMiddle)).toBeLessThanOrEqual(1.5);
    expect(box.textLeft).toBeGreaterThan(box.radioLeft);
    expect(box.radioLeft).toBeGreaterThan(box.legendRight);
    expect(box.textHeight).toBeLessThan(30);
  }
  expect(Math.abs((boxes[0]?.radioLeft ?? 0) - (boxes[1]?.radioLeft ?? 1))).toBeLessThan(0.5);
}

describe.runIf(has('chromium'))('a reader in a real browser', () => {
  let web: TestWeb;
  let browser: Browser;
  beforeAll(async () => {
    [web, browser] = await Promise.all([startWeb(), launchBrowser()]);
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
    expect((await web.store.find('reader@example.org'))?.status).toBe('pending');

    // The confirmation email in out/outbox/, and its link.
    const confirmation = (await web.mail()).find((m) => m.to === 'reader@example.org');
    expect(confirmation?.subject).toBe('Confirm your subscription to Daily Papers');
    const confirmUrl = /(http:\/\/127\.0\.0\.1:\d+\/confirm\?token=\S+)/.exec(confirmation?.text ?? '')?.[1];
    expect(confirmUrl).toBeDefined();
    await page.goto(confirmUrl as string);
    expect(await page.getByRole('heading', { name: 'Confirm your subscription' }).isVisible()).toBe(true);
    expect((await web.store.find('reader@example.org'))?.status).toBe('pending');
    await page.getByRole('button', { name: 'Confirm my subscription' }).click();
    await page.waitForURL(`${web.url}/confirm`);
    expect(await page.getByRole('heading', { name: 'You are subscribed' }).isVisible()).toBe(true);
    expect((await web.store.find('reader@example.org'))?.status).toBe('confirmed');

    // An issue is dispatched; the reader's copy carries their own unsubscribe link.
    const issue = await fixtureIssue();
    const summary = await dispatchIssue(issue, testContext(web.sql, fileTransport(web.outbox), { site: web.ctx.site }));
    expect(summary.sent).toBe(1);
    const received = (await web.mail()).find((m) => m.to === 'reader@example.org' && m.subject.includes('8 papers'));
    expect(received?.text).toContain('Tiny Kites: Flying Small Models');
    const unsubscribeUrl = /Unsubscribe: (\S+)/.exec(received?.text ?? '')?.[1];
    expect(unsubscribeUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/unsubscribe\?token=u/);

    // Following it shows one button; pressing it unsubscribes, and offers a way back.
    await page.goto(unsubscribeUrl as string);
    expect(await page.getByRole('heading', { name: 'Unsubscribe?' }).isVisible()).toBe(true);
    expect(await page.getByRole('link', { name: /fewer emails/ }).isVisible()).toBe(true);
    expect((await web.store.find('reader@example.org'))?.status).toBe('confirmed');
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await page.waitForURL(`${web.url}/unsubscribe`);
    expect(await page.getByRole('heading', { name: 'You are unsubscribed' }).isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Subscribe again' }).isVisible()).toBe(true);
    expect((await web.store.find('reader@example.org'))?.status).toBe('unsubscribed');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  });

  it('hears back the topics and cadence they chose, in the email, on the page and in their preferences; the radio buttons line up at 390 px', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${web.url}/`);
    await expectAligned(page);
    await page.getByLabel('Email address').fill('chooser@example.org');
    await page.getByLabel('Once a week').check();
    await page.getByText('Only some topics?').click();
    await page.getByLabel('Robotics').check();
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.waitForURL(`${web.url}/subscribe`);

    const confirmation = (await web.mail()).find((m) => m.to === 'chooser@example.org');
    expect(confirmation?.text).toContain('How often: once a week');
    expect(confirmation?.text).toContain('Topics:    Robotics');
    await page.goto(/(http:\/\/127\.0\.0\.1:\d+\/confirm\?token=\S+)/.exec(confirmation?.text ?? '')?.[1] as string);
    await page.getByRole('button', { name: 'Confirm my subscription' }).click();
    await page.waitForURL(`${web.url}/confirm`);
    expect(await page.getByText('chooser@example.org will receive Daily Papers once a week, with papers on Robotics.').isVisible()).toBe(
      true,
    );

    await page.getByRole('link', { name: 'Choose topics or how often' }).click();
    await expectAligned(page);
    await page.getByLabel('Every day').check();
    await page.getByLabel('Multimodal').check();
    await page.getByRole('button', { name: 'Save' }).click();
    const status = page.getByRole('status');
    expect(await status.isVisible()).toBe(true);
    expect(await status.textContent()).toBe(
      'Saved. Daily Papers now comes to chooser@example.org every day, with papers on Robotics and Multimodal.',
    );
    await expectAligned(page);
    expect(await web.store.find('chooser@example.org')).toMatchObject({ cadence: 'daily', status: 'confirmed' });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    await page.close();
  });
});
