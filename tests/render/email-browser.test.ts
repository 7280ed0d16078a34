import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchBrowser } from '../helpers/browser.ts';
import { fixture } from '../helpers/paths.ts';
import { has } from '../helpers/peers.ts';
import { tempSite } from '../helpers/site.ts';

describe.runIf(has('chromium'))('the email in a real browser', () => {
  let url: string;
  let browser: Browser;
  beforeAll(async () => {
    const site = await tempSite({ '2031-02-03.md': readFileSync(fixture('digests', 'six-columns.md'), 'utf8') });
    [browser] = await Promise.all([launchBrowser(), site.build()]);
    url = `file://${join(site.outDir, 'email', '2031-02-03.html')}`;
  });
  afterAll(async () => {
    await browser?.close();
  });

  async function open(width: number, colorScheme: 'light' | 'dark' = 'light') {
    const page = await browser.newPage({ viewport: { width, height: 800 }, colorScheme });
    await page.goto(url);
    return page;
  }

  // What a client that drops <style> shows: Gmail's app with other accounts, Gmail's mobile web.
  async function openWithoutStyle(width: number) {
    const page = await open(width);
    await page.evaluate(() => document.querySelectorAll('style').forEach((style) => style.remove()));
    expect(await page.locator('style').count()).toBe(0);
    return page;
  }

  it('is one column, with nothing wider than a 375 px phone', async () => {
    const page = await open(375);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
    const cards = await page.locator('.pb-card').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()));
    expect(cards).toHaveLength(8);
    for (const card of cards) expect(card.right).toBeLessThanOrEqual(375);
    const lefts = new Set(cards.map((c) => Math.round(c.left)));
    expect(lefts.size).toBe(1);
  });

  it('is a centred 640 px column on a desktop', async () => {
    const page = await open(1000);
    const box = await page.locator('.pb-card').first().boundingBox();
    expect(box?.width).toBeGreaterThan(560);
    expect(box?.width).toBeLessThanOrEqual(640);
    expect(Math.abs((box?.x ?? 0) * 2 + (box?.width ?? 0) - 1000)).toBeLessThan(40);
  });

  it('turns dark when the reader prefers dark, and stays light otherwise', async () => {
    const background = async (scheme: 'light' | 'dark') =>
      (await open(800, scheme))
        .locator('.pb-card')
        .first()
        .evaluate((e) => getComputedStyle(e).backgroundColor);
    expect(await background('light')).toBe('rgb(255, 255, 255)');
    expect(await background('dark')).toBe('rgb(35, 35, 38)');
  });

  it('shows the text a reader expects: title links to arXiv, pills, buttons and the footer links', async () => {
    const page = await open(800);
    const title = page.locator('h2 a', { hasText: 'Tiny Kites' });
    expect(await title.getAttribute('href')).toBe('https://arxiv.org/abs/3102.00001');
    expect(await page.locator('.pb-pill', { hasText: 'Text Generation' }).count()).toBe(1);
    expect(await page.locator('.pb-btn a', { hasText: 'Code · example/kites' }).getAttribute('href')).toBe(
      'https://github.com/example/kites',
    );
    expect(await page.locator('.pb-pill', { hasText: 'Robotics' }).first().getAttribute('href')).toBe(
      'https://papers.example.org/topics/robotics.html',
    );
    for (const text of ['View in browser', 'RSS', 'Atom', 'JSON Feed', 'Unsubscribe', 'Change topics or cadence']) {
      expect(await page.getByText(text, { exact: true }).count()).toBeGreaterThan(0);
    }
    expect(await page.getByText("<think> So let's see... </think> Lessons learned").count()).toBe(2);
  });

  it('keeps its layout without <style>: padded cards on a background, styled titles, coloured buttons and pills', async () => {
    const page = await openWithoutStyle(800);
    const cards = await page.locator('.pb-card').evaluateAll((els) =>
      els.map((card) => {
        const style = getComputedStyle(card);
        const title = card.querySelector('h2 a');
        const titleStyle = title && getComputedStyle(title);
        return {
          padding: Math.min(
            ...['Top', 'Right', 'Bottom', 'Left'].map((side) => parseFloat(style.getPropertyValue(`padding-${side.toLowerCase()}`))),
          ),
          background: style.backgroundColor,
          border: style.borderTopWidth,
          title: titleStyle && {
            color: titleStyle.color,
            decoration: titleStyle.textDecorationLine,
            size: parseFloat(titleStyle.fontSize),
            weight: Number(titleStyle.fontWeight),
          },
          buttons: [...card.querySelectorAll('.pb-btn a')].map((a) => getComputedStyle(a).backgroundColor),
          pills: [...card.querySelectorAll('.pb-pill')].map((a) => [getComputedStyle(a).backgroundColor, getComputedStyle(a).color]),
        };
      }),
    );
    expect(cards).toHaveLength(8);
    for (const card of cards) {
      expect(card.padding).toBeGreaterThan(0);
      expect(card.background).toBe('rgb(255, 255, 255)');
      expect(card.border).toBe('1px');
      expect(card.title?.color).not.toBe('rgb(0, 0, 238)');
      expect(card.title?.decoration).toBe('none');
      expect(card.title?.size).toBeGreaterThanOrEqual(17);
      expect(card.title?.weight).toBeGreaterThanOrEqual(600);
      for (const button of card.buttons) expect(button).toBe('rgb(55, 48, 163)');
      for (const [background, color] of card.pills) expect([background, color]).toEqual(['rgb(238, 242, 255)', 'rgb(55, 48, 163)']);
    }
    expect(cards.flatMap((c) => c.buttons)).toHaveLength(9);
    expect(cards.flatMap((c) => c.pills).length).toBeGreaterThan(8);
  });

  it('keeps the authors and the footer muted without <style>, and a phone still one column', async () => {
    const page = await openWithoutStyle(375);
    const authors = page.locator('.pb-card p', { hasText: 'Ana Núñez' });
    expect(await authors.evaluate((p) => getComputedStyle(p).color)).toBe('rgb(82, 82, 91)');
    expect(await page.locator('[role="contentinfo"]').evaluate((footer) => getComputedStyle(footer).color)).toBe('rgb(82, 82, 91)');
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  });
});
