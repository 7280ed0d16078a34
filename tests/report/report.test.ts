import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'cheerio';
import { parse } from 'parse5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { openDatabase, sqliteSql } from '../../src/db/index.ts';
import { SubscriberStore } from '../../src/subscribers/index.ts';
import { paperboy } from '../helpers/cli.ts';
import { launchBrowser } from '../helpers/browser.ts';
import { tableCells } from '../helpers/html-table.ts';
import { fixture } from '../helpers/paths.ts';
import { has } from '../helpers/peers.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';

// Loaded by the tests that run it in Chromium, not with the file: the fast tier skips them.
const axeSource = () => (createRequire(import.meta.url)('axe-core') as { source: string }).source;

// A project with two digests and a list of five confirmed subscribers and one pending.
async function project(sink: SmtpSink): Promise<{ dir: string; dataDir: string; env: Record<string, string> }> {
  const dir = await mkdtemp(join(tmpdir(), 'paperboy-report-'));
  await mkdir(join(dir, 'digests'));
  await writeFile(join(dir, 'digests', '2031-01-05.md'), readFileSync(fixture('digests', 'four-columns.md'), 'utf8'));
  await writeFile(join(dir, 'digests', '2031-02-03.md'), readFileSync(fixture('digests', 'six-columns.md'), 'utf8'));
  const env = {
    PAPERBOY_DATA_DIR: join(dir, 'data'),
    PAPERBOY_OUT_DIR: join(dir, 'out'),
    PAPERBOY_SMTP_URL: `smtp://127.0.0.1:${sink.port}`,
    PAPERBOY_SMTP_RETRY_MS: '10',
  };
  const sql = sqliteSql(openDatabase(env.PAPERBOY_DATA_DIR));
  const store = new SubscriberStore(sql);
  for (let n = 1; n <= 5; n++) await store.add({ email: `user${n}@example.org`, status: 'confirmed', source: 'test' });
  await store.add({ email: 'user6@example.org', source: 'test' });
  await sql.close();
  return { dir, dataDir: env.PAPERBOY_DATA_DIR, env };
}

// What happens to the list between dispatches: the store's own calls, as the inbound receiver and the web make them.
async function onTheList(dataDir: string, change: (store: SubscriberStore, id: (n: number) => number) => Promise<void>): Promise<void> {
  const sql = sqliteSql(openDatabase(dataDir));
  const store = new SubscriberStore(sql);
  const ids = new Map<number, number>();
  for (let n = 1; n <= 6; n++) ids.set(n, (await store.find(`user${n}@example.org`))?.id ?? 0);
  await change(store, (n) => ids.get(n) ?? 0);
  await sql.close();
}

describe('the list day by day', () => {
  it('counts each subscriber in the status their history gives them at the end of each day', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'paperboy-days-'));
    let now = new Date('2031-03-01T10:00:00Z');
    const sql = sqliteSql(openDatabase(dataDir));
    const store = new SubscriberStore(sql, () => now);
    const ann = (await store.add({ email: 'ann@example.org', source: 'web' })).subscriber;
    await store.add({ email: 'bob@example.org', status: 'confirmed', source: 'import' });
    now = new Date('2031-03-02T23:59:00Z');
    await store.setStatus(ann.id, 'confirmed', 'link');
    now = new Date('2031-03-04T00:00:00Z');
    await store.setStatus(ann.id, 'unsubscribed', 'one-click');
    await store.add({ email: 'cyd@example.org', source: 'web' });
    const days = ['2031-02-28', '2031-03-01', '2031-03-02', '2031-03-03', '2031-03-04'];
    expect(await store.statusByDay(days)).toEqual([
      { pending: 0, confirmed: 0, unsubscribed: 0, bounced: 0 },
      { pending: 1, confirmed: 1, unsubscribed: 0, bounced: 0 },
      { pending: 0, confirmed: 2, unsubscribed: 0, bounced: 0 },
      { pending: 0, confirmed: 2, unsubscribed: 0, bounced: 0 },
      { pending: 1, confirmed: 1, unsubscribed: 1, bounced: 0 },
    ]);
    await sql.close();
  });
});

describe('paperboy report', () => {
  const sink = new SmtpSink();
  let html = '';
  let dir = '';
  beforeAll(async () => {
    await sink.start(0);
    const made = await project(sink);
    dir = made.dir;
    const { env } = made;
    expect((await paperboy(['dispatch', '--date', '2031-01-05'], { env, cwd: dir })).status).toBe(0);
    await onTheList(made.dataDir, async (store, id) => {
      await store.recordEvent(id(1), 'complaint', 'abuse report');
      await store.setStatus(id(1), 'unsubscribed', 'spam complaint');
      await store.recordBounce(id(2), 'hard', '550 5.1.1 user unknown');
      await store.setStatus(id(3), 'unsubscribed', 'one-click');
    });
    expect((await paperboy(['dispatch', '--date', '2031-02-03'], { env, cwd: dir })).status).toBe(0);
    await onTheList(made.dataDir, async (store, id) => {
      await store.recordEvent(id(4), 'complaint', 'abuse report');
      await store.setStatus(id(4), 'unsubscribed', 'spam complaint');
      for (let i = 0; i < 3; i++) await store.recordBounce(id(5), 'hard', '550 5.1.1 user unknown');
    });
    const run = await paperboy(['report'], { env, cwd: dir });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^report\.html: 30 days, 2 dispatches \(\d+ kB\)\n$/);
    html = await readFile(join(dir, 'report.html'), 'utf8');
  }, 120_000);
  afterAll(async () => {
    await sink.stop();
  });

  it('shows the numbers of the ledger: each issue, the complaint rate, the list at the end of each day', () => {
    expect(sink.messages).toHaveLength(5 + 3);
    const $ = load(html);
    expect(tableCells($, 'Messages delivered per issue')).toEqual([
      ['2031-01-05', '5'],
      ['2031-02-03', '3'],
    ]);
    expect(tableCells($, 'What came back after each issue')).toEqual([
      ['2031-01-05', '1', '1', '2'],
      ['2031-02-03', '3', '1', '1'],
    ]);
    expect(tableCells($, 'Complaint rate of each issue')).toEqual([
      ['2031-01-05', '20 %'],
      ['2031-02-03', '33.33 %'],
    ]);
    const days = tableCells($, 'Subscribers by status');
    expect(days).toHaveLength(30);
    expect(days.at(-1)?.slice(1)).toEqual(['1', '1', '3', '1']);
    expect(days[0]?.slice(1)).toEqual(['0', '0', '0', '0']);
    const durations = tableCells($, 'How long each dispatch took');
    expect(durations.map((row) => row[0])).toEqual(['2031-01-05', '2031-02-03']);
    for (const row of durations) expect(row[1]).toMatch(/^\d+(\.\d)? s$/);
    expect(tableCells($, 'Send rate of each dispatch')).toHaveLength(2);
    // The limits are drawn and named.
    expect($('svg line.limit')).toHaveLength(2);
    expect(
      $('svg text.limit-name')
        .toArray()
        .map((t) => $(t).text()),
    ).toEqual(['0.1 %: keep under', '0.3 %: never reach']);
  });

  it('is one self-contained page: it parses, has no script, fetches nothing, names no address', () => {
    const errors: string[] = [];
    parse(html, { onParseError: (error) => errors.push(error.code) });
    expect(errors).toEqual([]);
    const $ = load(html);
    expect($('script')).toHaveLength(0);
    expect(html).not.toMatch(/<script|javascript:|\son[a-z]+=/i);
    expect(html).not.toMatch(/(?:src|href|xlink:href)\s*=\s*["']?\s*(?:https?:)?\/\//i);
    expect(html).not.toMatch(/url\(|@import|<link|<img|<iframe|<object/i);
    expect(html).not.toContain('@example.org');
    // Every chart has a title and a description it is labelled by, and a table of its figures.
    const charts = $('figure > svg[role="img"]').toArray();
    expect(charts).toHaveLength(6);
    for (const svg of charts) {
      const [title, desc] = ($(svg).attr('aria-labelledby') ?? '').split(' ');
      expect($(svg).find(`title#${title}`).text()).not.toBe('');
      expect($(svg).find(`desc#${desc}`).text()).not.toBe('');
      expect(tableCells($, $(svg).find('title').text()).length).toBeGreaterThan(0);
    }
  });

  it('writes to --out, or to standard output with --out -; a bad --days is a usage error', async () => {
    const env = { PAPERBOY_DATA_DIR: join(dir, 'data') };
    const out = await paperboy(['report', '--days', '7', '--out', '-'], { env, cwd: dir });
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^<!doctype html>/);
    expect(tableCells(load(out.stdout), 'Subscribers by status')).toHaveLength(7);
    const file = await paperboy(['report', '--out', 'charts/week.html', '--days', '7'], { env, cwd: dir });
    expect(file.status).toBe(1);
    expect(file.stderr).toBe('charts/week.html: cannot write: no such folder: charts\n');
    await mkdir(join(dir, 'charts'));
    expect((await paperboy(['report', '--out', 'charts/week.html', '--days', '7'], { env, cwd: dir })).stdout).toMatch(
      /^charts\/week\.html: 7 days, 2 dispatches/,
    );
    expect(await readFile(join(dir, 'charts', 'week.html'), 'utf8')).toMatch(/^<!doctype html>/);
    for (const days of ['0', 'x', '1.5']) {
      const bad = await paperboy(['report', '--days', days], { env, cwd: dir });
      expect(bad.status).toBe(2);
      expect(bad.stderr).toBe(`paperboy: --days takes a whole number of days from 1 to 3660, not "${days}"\n`);
    }
  });

  it('on an empty folder says there was no dispatch, and creates nothing but the page', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'paperboy-report-empty-'));
    const run = await paperboy(['report'], { cwd: empty });
    expect(run.stdout).toMatch(/^report\.html: 30 days, 0 dispatches/);
    const $ = load(await readFile(join(empty, 'report.html'), 'utf8'));
    expect(
      $('main p')
        .toArray()
        .map((p) => $(p).text()),
    ).toContain('No dispatch in these days.');
    expect(tableCells($, 'Subscribers by status').at(-1)?.slice(1)).toEqual(['0', '0', '0', '0']);
    expect(await readdir(empty)).toEqual(['report.html']);
  });

  describe.runIf(has('chromium'))('in Chromium with axe-core', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchBrowser();
    });
    afterAll(async () => {
      await browser?.close();
    });

    for (const scheme of ['light', 'dark'] as const) {
      it(`has no serious or critical violation, and requests nothing, in ${scheme}`, async () => {
        const page = await browser.newPage({ viewport: { width: 800, height: 1000 }, colorScheme: scheme });
        const requests: string[] = [];
        page.on('request', (request) => requests.push(request.url()));
        await page.setContent(html);
        const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        expect(background).toBe(scheme === 'light' ? 'rgb(255, 255, 255)' : 'rgb(22, 22, 26)');
        // The tables are read too: open every one.
        await page.evaluate(() => document.querySelectorAll('details').forEach((d) => d.setAttribute('open', '')));
        await page.addScriptTag({ content: axeSource() });
        const found = await page.evaluate(async () => {
          const axe = (
            window as unknown as { axe: { run: (context: Document) => Promise<{ violations: { id: string; impact: string | null }[] }> } }
          ).axe;
          return (await axe.run(document)).violations;
        });
        await page.close();
        expect(found.filter((v) => v.impact === 'serious' || v.impact === 'critical' || v.id === 'region').map((v) => v.id)).toEqual([]);
        expect(requests.filter((url) => !url.startsWith('about:') && !url.startsWith('data:'))).toEqual([]);
      });
    }
  });
});
