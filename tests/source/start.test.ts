import { readFile } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, sqliteSql } from '../../src/db/index.ts';
import { SubscriberStore } from '../../src/subscribers/index.ts';
import { digestText } from '../helpers/digest-text.ts';
import { has } from '../helpers/peers.ts';
import { startPaperboy, type Running } from '../helpers/process.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';
import { gitServer, upstreamRepo, type TestServer } from '../helpers/upstream.ts';

const EVERY_SECOND = '* * * * * *';
const NEVER = '0 0 1 1 *';
const today = () => new Date().toISOString().slice(0, 10);

// Polls an asynchronous check every 100 ms, for up to 30 s.
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const clean of cleanups.splice(0).reverse()) await clean();
});

async function setup(settle: string) {
  const repo = upstreamRepo();
  const server: TestServer = await gitServer(join(repo.dir, '..'));
  cleanups.push(() => server.stop());
  const smtp = await new SmtpSink({}).start();
  cleanups.push(() => smtp.stop());
  const base = await mkdtemp(join(tmpdir(), 'paperboy-start-sync-'));
  const sql = sqliteSql(openDatabase(join(base, 'data')));
  const store = new SubscriberStore(sql);
  await store.transaction(async () => {
    for (const email of ['a@example.org', 'b@example.org']) await store.add({ email, status: 'confirmed', source: 'test' });
  });
  await sql.close();
  const env = {
    PAPERBOY_DATA_DIR: join(base, 'data'),
    PAPERBOY_DIGESTS_DIR: join(base, 'digests'),
    PAPERBOY_OUT_DIR: join(base, 'out'),
    PAPERBOY_PORT: '0',
    PAPERBOY_SMTP_URL: smtp.url,
    PAPERBOY_FROM: 'Daily Papers <papers@example.org>',
    PAPERBOY_DIGESTS_SOURCE: `git+${server.url}/papers#main:archive`,
    PAPERBOY_SYNC_SCHEDULE: EVERY_SECOND,
    PAPERBOY_SYNC_SETTLE: settle,
    PAPERBOY_SCHEDULE: EVERY_SECOND,
    PAPERBOY_WEEKLY_SCHEDULE: NEVER,
  };
  const start = () => {
    const job: Running = startPaperboy(env);
    cleanups.push(() => job.stop('SIGKILL'));
    return job;
  };
  return { repo, server, smtp, base, start };
}

describe.runIf(has('processes', 'git'))('paperboy start with a git source', () => {
  it('a new commit upstream is on the site and in the feeds within a sync, mailed once it settled, and once only', async () => {
    const { repo, smtp, base, start } = await setup('3s');
    repo.commit({ 'archive/2024/10/03.md': digestText('2024-10-03') });
    const job = start();
    await job.waitFor(() => job.events().some((e) => e.event === 'started'), 'the start');
    const day = today();
    const committed = Date.now();
    repo.commit({ [`archive/${day.replaceAll('-', '/')}.md`]: digestText(day, 2) });
    const rss = join(base, 'out', 'feeds', 'rss.xml');
    await job.waitFor(() => job.events().some((e) => e.event === 'synced'), 'the sync');
    await until(async () => (await readFile(rss, 'utf8').catch(() => '')).includes(`/issues/${day}.html`), 'the feed');
    await job.waitFor(() => job.events().some((e) => e.event === 'waiting to mail'), 'a tick that waits for it to settle');
    expect(smtp.messages).toHaveLength(0);
    await job.waitFor(() => smtp.messages.length >= 2, 'the mail');
    expect(Date.now() - committed).toBeGreaterThanOrEqual(3000);
    // Rewritten after it was mailed: the web follows, the mail does not go again.
    repo.commit({ [`archive/${day.replaceAll('-', '/')}.md`]: digestText(day, 2, ' (revised)') });
    await until(
      async () => (await readFile(join(base, 'out', 'issues', `${day}.html`), 'utf8').catch(() => '')).includes('(revised)'),
      'the rewrite on the web',
    );
    await job.waitFor(
      () => job.events().filter((e) => e.event === 'tick' && String(e.outcome).includes(`${day} was already published`)).length >= 2,
      'ticks after it',
    );
    expect(smtp.messages).toHaveLength(2);
    expect(await job.stop('SIGTERM')).toBe(0);
  });

  it('an upstream that cannot be reached is a warning: the site goes on, /healthz says how long since the last good sync', async () => {
    const { repo, server, base, start } = await setup('0s');
    repo.commit({ 'archive/2024/10/03.md': digestText('2024-10-03') });
    const job = start();
    await job.waitFor(() => job.events().some((e) => e.event === 'synced'), 'the first sync');
    await server.stop();
    await job.waitFor(() => job.events().some((e) => e.event === 'sync failed; going on with the digests here'), 'a failed sync');
    const address = /listening on (\S+)\)/.exec(job.stdout())?.[1];
    const health = (await (await fetch(`http://${address}/healthz`)).json()) as { sync: { secondsSinceGoodSync: number; problem: string } };
    expect(health.sync.problem).toMatch(/cannot reach the server/);
    expect(health.sync.secondsSinceGoodSync).toBeGreaterThanOrEqual(0);
    expect(await readFile(join(base, 'out', 'issues', '2024-10-03.html'), 'utf8')).toContain('Paper 1 of 2024-10-03');
    expect(await job.stop('SIGTERM')).toBe(0);
  });
});
