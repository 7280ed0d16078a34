// A picture of `paperboy report` for the README: a month of a made-up list, kept in a real database
// in a temporary folder and filled through the list's store and the ledger under a moving clock,
// then rendered and shot by headless Chromium in light and dark. Run `npm run screenshots:report`.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, sqliteSql } from '../src/db/index.ts';
import { openLedger } from '../src/ledger/index.ts';
import { collectReport, renderReport } from '../src/report/index.ts';
import { SubscriberStore } from '../src/subscribers/index.ts';
import { startChromium } from '../tests/helpers/browser.ts';
import { seeded } from '../tests/helpers/random.ts';

const root = join(import.meta.dirname, '..');
const random = seeded(2031);
const DAY = 86_400_000;
const end = Date.UTC(2031, 2, 31, 18);
let clock = end - 30 * DAY;
const now = () => new Date(clock);
const sql = sqliteSql(openDatabase(mkdtempSync(join(tmpdir(), 'paperboy-report-picture-'))));
const store = new SubscriberStore(sql, now);
const ledger = openLedger(sql, now);
const { rounds } = ledger;
let next = 1;
const add = async (status: 'pending' | 'confirmed') =>
  (await store.add({ email: `reader${next++}@example.org`, status, source: 'import' })).subscriber.id;
const confirmed: number[] = [];
await store.transaction(async () => {
  for (let i = 0; i < 1800; i++) confirmed.push(await add('confirmed'));
});
const pending: number[] = [];
for (let day = 29; day >= 0; day--) {
  const morning = end - day * DAY - 12 * 3_600_000;
  clock = morning - 3_600_000;
  await store.transaction(async () => {
    for (let i = 0; i < 10 + Math.floor(random() * 25); i++) pending.push(await add('pending'));
    while (pending.length > 6) {
      const id = pending.shift() as number;
      if (random() < 0.85) {
        await store.setStatus(id, 'confirmed', 'link');
        confirmed.push(id);
      }
    }
  });
  clock = morning;
  const issue = new Date(morning).toISOString().slice(0, 10);
  const round = await rounds.open(issue, 0, 'daily');
  const queued = await ledger.claims.claim(issue, 0, 'screenshot', 1_000_000, 60_000);
  await store.transaction(async () => {
    for (const delivery of queued)
      await rounds.record(issue, 0, delivery.subscriberId, random() < 0.003 ? 'failed' : 'sent', { attempts: 1 });
  });
  clock += Math.round((queued.length / (18 + random() * 8)) * 1000);
  await rounds.close(round.id, await rounds.tally(issue, 0), '');
  clock += 3_600_000;
  await store.transaction(async () => {
    const pick = () => confirmed.splice(Math.floor(random() * confirmed.length), 1)[0] as number;
    for (let i = Math.floor(random() * 4); i > 0; i--) await store.setStatus(pick(), 'unsubscribed', 'one-click');
    if (random() < 0.35) {
      const id = pick();
      await store.recordEvent(id, 'complaint', 'abuse report');
      await store.setStatus(id, 'unsubscribed', 'spam complaint');
    }
    for (let i = Math.floor(random() * 3); i > 0; i--) {
      const id = pick();
      for (let n = 0; n < 3; n++) await store.recordBounce(id, 'hard', '550 5.1.1 user unknown');
    }
  });
}
clock = end;
const html = renderReport(await collectReport({ store, ledger }, { days: 30, now: now(), title: 'Daily Papers' }));
await sql.close();
const browser = await startChromium();
for (const [name, scheme] of [
  ['report.png', 'light'],
  ['report-dark.png', 'dark'],
] as const) {
  const page = await browser.newPage({ viewport: { width: 800, height: 1000 }, colorScheme: scheme, deviceScaleFactor: 1 });
  await page.setContent(html);
  await page.screenshot({ path: join(root, 'docs', name), fullPage: true });
  console.log(`docs/${name}`);
}
await browser.close();
