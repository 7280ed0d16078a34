// Pictures of the email for the README: the newest issue in out/email/, at phone and desktop width,
// rendered by headless Chromium. Run `npm run paperboy -- build` first, then `npm run screenshots`.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startChromium } from '../tests/helpers/browser.ts';

const root = join(import.meta.dirname, '..');
const emails = readdirSync(join(root, 'out', 'email'))
  .filter((n) => n.endsWith('.html'))
  .sort();
const newest = emails.at(-1);
if (!newest) throw new Error('out/email/ is empty: run `npm run paperboy -- build` first');
const browser = await startChromium();
for (const [name, width, height, scheme] of [
  ['email-phone.png', 390, 1400, 'light'],
  ['email-desktop.png', 900, 1100, 'light'],
  ['email-phone-dark.png', 390, 1400, 'dark'],
] as const) {
  const page = await browser.newPage({ viewport: { width, height }, colorScheme: scheme, deviceScaleFactor: 1 });
  await page.goto(`file://${join(root, 'out', 'email', newest)}`);
  await page.screenshot({ path: join(root, 'docs', name) });
  console.log(`docs/${name}`);
}
await browser.close();
