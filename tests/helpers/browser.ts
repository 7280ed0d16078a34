import type { Browser } from 'playwright-core';
import { CHROMIUM, need } from './peers.ts';

/** Starts headless Chromium with the flags this closed network needs (scripts call it directly). */
export async function startChromium(): Promise<Browser> {
  // Loaded here, not with the module: the files that import this one load it in the fast tier too,
  // where every test that would launch a browser is skipped.
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Starts headless Chromium in a test, which needs it as a peer. */
export async function launchBrowser(): Promise<Browser> {
  need('chromium');
  return startChromium();
}
