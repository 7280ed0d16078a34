import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { paperboy } from '../helpers/cli.ts';
import { has } from '../helpers/peers.ts';
import { asAdmin, throwawayDatabase } from '../helpers/postgres.ts';
import { PROCESS_TEST } from '../helpers/process.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';
import { fleetPerTest, ISSUE, sendingProject, startWorker, until, type WorkerProcess } from '../helpers/workers.ts';

describe('paperboy worker on SQLite', () => {
  it('exits 2 with one line: several senders need PostgreSQL', async () => {
    const data = await mkdtemp(join(tmpdir(), 'paperboy-worker-sqlite-'));
    const run = await paperboy(['worker'], { env: { PAPERBOY_DATA_DIR: data } });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/several senders need PostgreSQL/);
  });

  it('dispatch --queue-only needs PostgreSQL too', async () => {
    const data = await mkdtemp(join(tmpdir(), 'paperboy-worker-sqlite-'));
    const run = await paperboy(['dispatch', '--queue-only'], { env: { PAPERBOY_DATA_DIR: data } });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/need PostgreSQL/);
  });
});

describe.runIf(has('postgres', 'processes'))('paperboy worker on PostgreSQL', () => {
  const database = throwawayDatabase();
  // After each test (hooks after run last first): the workers and sinks stopped, then the tables emptied.
  afterEach(async () => {
    await asAdmin((c) => c.query('TRUNCATE deliveries, dispatches, subscribers, senders CASCADE'), database.name);
  });
  const { workers, sinks } = fleetPerTest();

  const count = async (sql: string) => (await asAdmin((c) => c.query(sql), database.name)).rows[0].n as number;

  it(
    'workers drain a round dispatch --queue-only opened; a killed one loses nothing, its rows are sent again by the others',
    async () => {
      const sink = await new SmtpSink({ replyDelayMs: 20 }).start();
      sinks.push(sink);
      const env = await sendingProject(database.url, 600, {
        PAPERBOY_SMTP_URL: sink.url,
        PAPERBOY_SMTP_CONNECTIONS: '3',
        PAPERBOY_SEND_LEASE: '1.5s',
      });
      const cwd = env.PAPERBOY_DIGESTS_DIR as string;
      const opened = await paperboy(['dispatch', '--queue-only'], { env, cwd });
      expect(opened.stderr).toBe('');
      expect(opened.stdout).toBe(`${ISSUE}: 600 queued for the workers\n`);
      expect(sink.messages).toHaveLength(0);
      for (let i = 0; i < 3; i++) workers.push(startWorker(env, cwd));
      await until(() => sink.messages.length >= 150, 'a quarter of the round sent');
      // status shows what each live worker holds of the running round.
      const mid = JSON.parse((await paperboy(['status', '--json'], { env, cwd })).stdout) as {
        senders: { id: string; lapsed: boolean; held: { issue: string; count: number }[] }[];
      };
      expect(mid.senders).toHaveLength(3);
      expect(mid.senders.some((s) => s.held.some((h) => h.issue === ISSUE && h.count > 0))).toBe(true);
      const killed = workers[0] as WorkerProcess;
      killed.signal('SIGKILL');
      await killed.exited;
      await until(
        async () => (await count("SELECT count(*)::int AS n FROM dispatches WHERE status = 'done'")) === 1,
        'the round closed',
        90_000,
      );
      const ids = sink.countsById();
      expect(ids.size).toBe(600);
      const duplicates = [...ids.values()].reduce((sum, n) => sum + n - 1, 0);
      expect(duplicates).toBeLessThanOrEqual(2 * 3);
      expect(await count("SELECT count(*)::int AS n FROM deliveries WHERE status = 'sent'")).toBe(600);
      const status = await paperboy(['status'], { env, cwd });
      expect(status.stdout).toMatch(/last dispatch: 2031-02-03: done, 600 sent/);
      // The killed one is flagged: its lease ran out.
      const flagged = new RegExp(`sender [^ ]+/${killed.child.pid}/[0-9a-f]+ since \\S+: [^\n]*LEASE RAN OUT`);
      expect(status.stdout).toMatch(flagged);
      // The survivors stop cleanly on SIGTERM, holding nothing.
      for (const w of workers.slice(1)) w.signal('SIGTERM');
      expect(await Promise.all(workers.slice(1).map((w) => w.exited))).toEqual([0, 0]);
      // Only the killed one is still written down, its lease long run out.
      expect(await count('SELECT count(*)::int AS n FROM senders')).toBe(1);
    },
    PROCESS_TEST.timeout,
  );

  it(
    'a worker whose messages would differ (another fingerprint) leaves the round alone, and says why in its log and in status',
    async () => {
      const sink = await new SmtpSink().start();
      sinks.push(sink);
      const env = await sendingProject(database.url, 20, { PAPERBOY_SMTP_URL: sink.url });
      const cwd = env.PAPERBOY_DIGESTS_DIR as string;
      expect((await paperboy(['dispatch', '--queue-only'], { env, cwd })).stdout).toBe(`${ISSUE}: 20 queued for the workers\n`);
      const other = startWorker({ ...env, PAPERBOY_FROM: 'Other Papers <other@example.net>' }, cwd);
      workers.push(other);
      await until(() => other.stderr().includes('round left alone'), 'the worker leaving the round alone');
      const status = await paperboy(['status'], { env, cwd });
      expect(status.stdout).toMatch(/sender [^ ]+ since \S+: holds nothing; left 2031-02-03 alone: its messages would differ/);
      expect(sink.messages).toHaveLength(0);
      // One whose messages are the same sends it.
      workers.push(startWorker(env, cwd));
      await until(async () => (await count("SELECT count(*)::int AS n FROM dispatches WHERE status = 'done'")) === 1, 'the round closed');
      expect(sink.countsById().size).toBe(20);
    },
    PROCESS_TEST.timeout,
  );
});
