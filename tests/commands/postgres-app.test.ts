import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/index.ts';
import { SubscriberStore } from '../../src/subscribers/index.ts';
import { paperboy } from '../helpers/cli.ts';
import { fixture } from '../helpers/paths.ts';
import { has } from '../helpers/peers.ts';
import { asAdmin, SERVER_HOST, throwawayDatabase } from '../helpers/postgres.ts';
import { PROCESS_TEST, startPaperboy } from '../helpers/process.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';

const SECRET = 'a-secret-shared-by-every-machine-0123456789';

describe.runIf(has('postgres'))('the program on a PostgreSQL database', () => {
  const database = throwawayDatabase();
  // With a password in it (trust auth ignores it): it must never be shown.
  const url = () => database.url.replace('postgres@', 'postgres:hunter2-not-shown@');

  async function project(): Promise<Record<string, string>> {
    const base = await mkdtemp(join(tmpdir(), 'paperboy-pg-app-'));
    await mkdir(join(base, 'digests'));
    await writeFile(join(base, 'digests', '2031-02-03.md'), readFileSync(fixture('digests', 'six-columns.md'), 'utf8'));
    return {
      PAPERBOY_DATA_DIR: join(base, 'data'),
      PAPERBOY_DIGESTS_DIR: join(base, 'digests'),
      PAPERBOY_OUT_DIR: join(base, 'out'),
      PAPERBOY_SMTP_RETRY_MS: '10',
      PAPERBOY_DATABASE_URL: url(),
      PAPERBOY_SECRET: SECRET,
    };
  }

  it('dispatches to the list kept on the server, says where it is in status, and erases there', async () => {
    const env = await project();
    const sql = await openPostgres(url());
    const store = new SubscriberStore(sql);
    for (const email of ['a@example.org', 'b@example.org', 'c@example.org'])
      await store.add({ email, status: 'confirmed', source: 'test' });
    await sql.close();
    const sink = await new SmtpSink().start();
    try {
      const run = await paperboy(['dispatch'], { env: { ...env, PAPERBOY_SMTP_URL: `smtp://127.0.0.1:${sink.port}` } });
      expect(run.stderr).toBe('');
      expect(run.stdout).toMatch(/^2031-02-03: 3 sent, 0 skipped, 0 failed/);
      expect(sink.messages.map((m) => m.to[0]).sort()).toEqual(['a@example.org', 'b@example.org', 'c@example.org']);
    } finally {
      await sink.stop();
    }
    // Nothing of it in the SQLite file: the data folder holds no database.
    const sent = await asAdmin((c) => c.query("SELECT count(*)::int AS n FROM deliveries WHERE status = 'sent'"), database.name);
    expect(sent.rows[0].n).toBe(3);
    const status = await paperboy(['status'], { env });
    expect(status.status).toBe(0);
    expect(status.stdout).toContain(`database: postgres://postgres@${SERVER_HOST}/${database.name}`);
    expect(status.stdout).toMatch(/last dispatch: 2031-02-03: done, 3 sent/);
    expect(status.stdout + status.stderr).not.toContain('hunter2');
    const erased = await paperboy(['subscribers', 'erase', 'b@example.org'], { env });
    expect(erased.status).toBe(0);
    const left = await asAdmin((c) => c.query("SELECT count(*)::int AS n FROM subscribers WHERE email = 'b@example.org'"), database.name);
    expect(left.rows[0].n).toBe(0);
    // The erasure vacuumed the table (the server's statistics say so within a few seconds).
    const vacuumed = async () =>
      (await asAdmin((c) => c.query("SELECT vacuum_count::int AS n FROM pg_stat_user_tables WHERE relname = 'subscribers'"), database.name))
        .rows[0].n as number;
    for (let waited = 0; (await vacuumed()) === 0 && waited < 10_000; waited += 200) await new Promise((r) => setTimeout(r, 200));
    expect(await vacuumed()).toBeGreaterThan(0);
  });

  it(
    'paperboy start opens the server database and serves from it',
    async () => {
      const env = await project();
      const running = startPaperboy({ ...env, PAPERBOY_PORT: '0', PAPERBOY_LOG_FORMAT: 'json' });
      try {
        const web = await running.webUrl();
        const health = await fetch(`${web}/healthz`);
        expect(health.status).toBe(200);
        const subscribed = await fetch(`${web}/subscribe`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', origin: web },
          body: new URLSearchParams({ email: 'new@example.org', cadence: 'daily' }),
          redirect: 'manual',
        });
        expect(subscribed.status).toBe(200);
        const row = await asAdmin((c) => c.query("SELECT status FROM subscribers WHERE email = 'new@example.org'"), database.name);
        expect(row.rows[0]?.status).toBe('pending');
      } finally {
        expect(await running.stop()).toBe(0);
      }
    },
    PROCESS_TEST.timeout,
  );
});
