import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, sqliteSql } from '../../src/db/index.ts';
import { invocationOf } from '../../src/hints.ts';
import { SubscriberStore, type NewSubscriber } from '../../src/subscribers/index.ts';
import { paperboy } from '../helpers/cli.ts';
import { fixture } from '../helpers/paths.ts';
import { has } from '../helpers/peers.ts';
import { PROCESS_TEST, startPaperboy, type Running } from '../helpers/process.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';

const EVERY_SECOND = '* * * * * *';
const NEVER = '0 0 1 1 *';
const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);
const sixColumns = readFileSync(fixture('digests', 'six-columns.md'), 'utf8');
const digestOf = (date: string, text = sixColumns) => text.replace(/Papers for \d{4}-\d{2}-\d{2}/, `Papers for ${date}`);

const running: Running[] = [];
const sinks: SmtpSink[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.stop('SIGKILL')));
  await Promise.all(sinks.splice(0).map((s) => s.stop()));
});

async function setup(subscribers: NewSubscriber[], digests: Record<string, string>, sink: SmtpSink, settings: Record<string, string> = {}) {
  const base = await mkdtemp(join(tmpdir(), 'paperboy-start-'));
  await mkdir(join(base, 'digests'));
  for (const [name, text] of Object.entries(digests)) await writeFile(join(base, 'digests', name), text);
  const sql = sqliteSql(openDatabase(join(base, 'data')));
  const store = new SubscriberStore(sql);
  await store.transaction(async () => {
    for (const s of subscribers) await store.add(s);
  });
  await sql.close();
  const env = {
    PAPERBOY_DATA_DIR: join(base, 'data'),
    PAPERBOY_DIGESTS_DIR: join(base, 'digests'),
    PAPERBOY_OUT_DIR: join(base, 'out'),
    PAPERBOY_PORT: '0',
    PAPERBOY_SMTP_URL: sink.url,
    PAPERBOY_FROM: 'Daily Papers <papers@example.org>',
    PAPERBOY_SCHEDULE: EVERY_SECOND,
    PAPERBOY_WEEKLY_SCHEDULE: NEVER,
    ...settings,
  };
  return {
    base,
    env,
    start: () => {
      const r = startPaperboy(env);
      running.push(r);
      return r;
    },
  };
}

const readers = (n: number, extra: Partial<NewSubscriber> = {}): NewSubscriber[] =>
  Array.from({ length: n }, (_, i) => ({ email: `reader${i + 1}@example.org`, status: 'confirmed', source: 'test', ...extra }));

async function sink(behaviour: ConstructorParameters<typeof SmtpSink>[0] = {}) {
  const s = await new SmtpSink(behaviour).start();
  sinks.push(s);
  return s;
}

describe.runIf(has('processes'))('paperboy start', PROCESS_TEST, () => {
  it('mails a digest dropped in at the next tick, once, and stops cleanly on SIGTERM', async () => {
    const smtp = await sink();
    const { base, start } = await setup(readers(3), {}, smtp);
    const job = start();
    await job.waitFor(() => job.events().some((e) => e.event === 'started'), 'the start');
    expect(job.stdout()).toContain(`daily:    ${EVERY_SECOND}`);
    const today = day(0);
    await writeFile(join(base, 'digests', `${today}.md`), digestOf(today));
    await job.waitFor(() => smtp.messages.length >= 3, 'three messages');
    await job.waitFor(
      () => job.events().some((e) => e.event === 'tick' && String(e.outcome).includes(`${today} was already published`)),
      'a tick after it',
    );
    expect(smtp.messages.map((m) => m.to[0]).sort()).toEqual(['reader1@example.org', 'reader2@example.org', 'reader3@example.org']);
    expect(await job.stop('SIGTERM')).toBe(0);
    expect(job.events().at(-1)?.event).toBe('stopped');
    expect(await readFile(join(base, 'out', 'feeds', 'rss.xml'), 'utf8')).toContain(`/issues/${today}.html`);
  });

  it('resumes after a SIGKILL in the middle of a dispatch: everyone gets the issue, once but for the in-flight few', async () => {
    // One connection and a slow answer keep the dispatch under way when the kill comes.
    const smtp = await sink({ delayMs: 20 });
    const today = day(0);
    const { start } = await setup(readers(40), { [`${today}.md`]: digestOf(today) }, smtp, { PAPERBOY_SMTP_CONNECTIONS: '1' });
    const first = start();
    await first.waitFor(() => smtp.messages.length >= 10, 'the dispatch under way');
    await first.stop('SIGKILL');
    expect(smtp.countsById().size).toBeLessThan(40);
    const second = start();
    await second.waitFor(() => smtp.countsById().size >= 40, 'every subscriber');
    const duplicates = smtp.messages.length - smtp.countsById().size;
    console.log(`start kill test: ${duplicates} delivered twice (in flight at the kill)`);
    expect(duplicates).toBeLessThanOrEqual(2);
    expect(await second.stop()).toBe(0);
  });

  it('puts a late digest and an empty one on the web, the late one in the feeds, and mails neither', async () => {
    const smtp = await sink();
    const late = day(-10);
    const { base, env, start } = await setup(readers(2), { [`${late}.md`]: digestOf(late) }, smtp);
    const job = start();
    await job.waitFor(() => job.events().some((e) => e.event === 'tick'), 'the first publication');
    expect(job.events().find((e) => e.event === 'published')).toMatchObject({ issue: late, mailed: false, reason: 'older than 2d' });
    await job.waitFor(() => job.stdout().includes('first run:'), 'the first run said');
    // The job runs with this process's PATH: the hint takes the form that works with it.
    expect(job.stdout()).toContain(`to see its email, run \`${invocationOf(process.env.PATH)} preview --date ${late}\``);
    const today = day(0);
    const empty = digestOf(today, '## Papers for 2000-01-01\n\n| Title | Authors | Summary |\n|---|---|---|\n');
    await writeFile(join(base, 'digests', `${today}.md`), empty);
    await job.waitFor(() => job.events().some((e) => e.event === 'published' && e.issue === today), 'the empty digest');
    expect(job.events().find((e) => e.event === 'published' && e.issue === today)).toMatchObject({ mailed: false, reason: 'empty digest' });
    await job.waitFor(
      () => job.events().some((e) => e.event === 'tick' && String(e.outcome).includes(`${today} was already published`)),
      'a tick after it',
    );
    expect(smtp.messages).toHaveLength(0);
    const rss = await readFile(join(base, 'out', 'feeds', 'rss.xml'), 'utf8');
    expect(rss).not.toContain(`/issues/${today}.html`);
    expect(await readFile(join(base, 'out', 'issues', `${today}.html`), 'utf8')).toContain('0 papers');
    expect(rss).toContain(`/issues/${late}.html`);
    expect(await job.stop()).toBe(0);
    const status = JSON.parse((await paperboy(['status', '--json'], { env })).stdout);
    expect(status.lastPublication).toMatchObject({ issue: today, mailed: false });
    const forced = await paperboy(['dispatch', '--date', late], { env });
    expect(forced.status).toBe(1);
    expect(forced.stderr).toContain('--force mails it anyway');
  });

  it('runs the schedule in its time zone', async () => {
    const smtp = await sink();
    const { env, start } = await setup([], {}, smtp, { PAPERBOY_SCHEDULE: '0 8 * * *', PAPERBOY_TZ: 'Asia/Tokyo' });
    const job = start();
    await job.waitFor(() => job.stdout().includes('daily:'), 'the banner');
    expect(job.stdout()).toMatch(/daily: {4}0 8 \* \* \*, next at \d{4}-\d{2}-\d{2} 08:00:00 Asia\/Tokyo/);
    const status = JSON.parse((await paperboy(['status', '--json'], { env })).stdout);
    expect(new Date(status.nextPublication).getUTCHours()).toBe(23);
    expect(await job.stop('SIGINT')).toBe(0);
  });

  it("mails weekly subscribers one email with the week's papers, each once, their topics applied", async () => {
    const smtp = await sink();
    const repeat = sixColumns
      .replace('3102.00002', '3102.00001')
      .replace(/\[A Title Wrapped Over\n {2}Two Lines\]/, '[Tiny Kites: Flying Small Models]');
    const digests = {
      [`${day(-3)}.md`]: digestOf(day(-3)),
      [`${day(-1)}.md`]: digestOf(day(-1), repeat.replace(/3102\.0000([3-8])/g, '3102.0009$1')),
      [`${day(-20)}.md`]: digestOf(day(-20), sixColumns.replace(/3102\.0000(\d)/g, '3102.0077$1')),
    };
    const subscribers: NewSubscriber[] = [
      { email: 'everything@example.org', status: 'confirmed', cadence: 'weekly', source: 'test' },
      { email: 'robots@example.org', status: 'confirmed', cadence: 'weekly', topics: ['Robotics'], source: 'test' },
    ];
    const { start } = await setup(subscribers, digests, smtp, {
      PAPERBOY_SCHEDULE: NEVER,
      PAPERBOY_WEEKLY_SCHEDULE: EVERY_SECOND,
      PAPERBOY_MAX_LATENESS: '1s',
    });
    const job = start();
    await job.waitFor(() => smtp.messages.length >= 2, 'the weekly emails');
    await job.waitFor(
      () => job.events().some((e) => e.event === 'tick' && String(e.outcome).includes('was already published')),
      'a tick after them',
    );
    expect(smtp.messages).toHaveLength(2);
    const everything = await simpleParser(smtp.messages.find((m) => m.to[0] === 'everything@example.org')?.raw ?? Buffer.alloc(0));
    expect(everything.subject).toMatch(/^Week of .* · 14 papers · Tiny Kites: Flying Small Models$/);
    const text = everything.text ?? '';
    expect(text.match(/arxiv\.org\/abs\/3102\.00001\b/g)).toHaveLength(1);
    expect(text).toContain('3102.00093');
    expect(text).not.toContain('3102.0077');
    const robots = await simpleParser(smtp.messages.find((m) => m.to[0] === 'robots@example.org')?.raw ?? Buffer.alloc(0));
    expect(robots.subject).toMatch(/· 4 papers ·/);
    expect(robots.text).toContain('Placeholders Everywhere');
    expect(robots.text).not.toContain('Tiny Kites');
    expect(await job.stop()).toBe(0);
  });
});

describe.runIf(has('processes'))('WebSub', PROCESS_TEST, () => {
  it('names the hub in the feeds and tells it when they change', async () => {
    const { createServer } = await import('node:http');
    const pings: string[] = [];
    const hub = createServer((request, response) => {
      let body = '';
      request.on('data', (c: Buffer) => (body += c.toString()));
      request.on('end', () => {
        pings.push(body);
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => hub.listen(0, '127.0.0.1', resolve));
    const hubUrl = `http://127.0.0.1:${(hub.address() as import('node:net').AddressInfo).port}/`;
    const smtp = await sink();
    const today = day(0);
    const { base, start } = await setup([], { [`${today}.md`]: digestOf(today) }, smtp, {
      PAPERBOY_WEBSUB_HUB: hubUrl,
      PAPERBOY_SITE_URL: 'https://papers.example.org',
    });
    const job = start();
    await job.waitFor(() => pings.length >= 3, 'the hub notified');
    expect(pings.map((p) => new URLSearchParams(p).get('hub.url')).sort()).toEqual([
      'https://papers.example.org/feeds/atom.xml',
      'https://papers.example.org/feeds/feed.json',
      'https://papers.example.org/feeds/rss.xml',
    ]);
    expect(pings.every((p) => new URLSearchParams(p).get('hub.mode') === 'publish')).toBe(true);
    expect(await readFile(join(base, 'out', 'feeds', 'atom.xml'), 'utf8')).toContain(`<link rel="hub" href="${hubUrl}"/>`);
    expect(await job.stop()).toBe(0);
    hub.close();
  });
});
