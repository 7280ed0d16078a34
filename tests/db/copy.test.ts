import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyToPostgres, COPIED_TABLES } from '../../src/db/copy.ts';
import { openPostgres } from '../../src/db/postgres.ts';
import { paperboy } from '../helpers/cli.ts';
import { has } from '../helpers/peers.ts';
import { asAdmin, createThrowaway, SERVER_HOST, SERVER_HOST_PATTERN, throwawayDatabase } from '../helpers/postgres.ts';

const SUBSCRIBERS = 6_123;
const SECRET = 'a-secret-of-sixteen-characters-or-more';

// Every row of every copied table, in key order, as plain values: what both sides must hold alike.
function sqliteRows(path: string): Record<string, unknown[]> {
  const db = new Database(path, { readonly: true });
  try {
    return Object.fromEntries(COPIED_TABLES.map((table) => [table, db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2, 3`).all()]));
  } finally {
    db.close();
  }
}

async function postgresRows(database: string): Promise<Record<string, unknown[]>> {
  return asAdmin(async (client) => {
    // As the driver reads them: integers as numbers.
    client.setTypeParser(20, Number);
    const rows: Record<string, unknown[]> = {};
    for (const table of COPIED_TABLES) rows[table] = (await client.query(`SELECT * FROM ${table} ORDER BY 1, 2, 3`)).rows;
    return rows;
  }, database);
}

describe.runIf(has('postgres'))('paperboy db copy', () => {
  const target = throwawayDatabase();
  const cwd = mkdtempSync(join(tmpdir(), 'paperboy-copy-'));
  const env = { PAPERBOY_DATA_DIR: join(cwd, 'data'), PAPERBOY_SECRET: SECRET, PAPERBOY_LOG_LEVEL: 'error' };
  const file = join(cwd, 'data', 'paperboy.db');

  beforeAll(async () => {
    // A real list, imported the way an operator does, then a ledger around it with every table used.
    const csv = ['email,name,topics,cadence'];
    for (let i = 0; i < SUBSCRIBERS; i++)
      csv.push(`reader${i}@example.org,Reader ‘${i}’ "q",${i % 3 === 0 ? 'NLP;Vision' : ''},${i % 5 === 0 ? 'weekly' : 'daily'}`);
    writeFileSync(join(cwd, 'list.csv'), `${csv.join('\n')}\n`);
    const imported = await paperboy(['subscribers', 'import', 'list.csv', '--confirmed'], { cwd, env });
    expect(imported.status).toBe(0);
    const db = new Database(file);
    db.exec(`
      DELETE FROM subscribers WHERE id % 7 = 0;
      INSERT INTO publications VALUES ('2026-12-01', '2026-12-01T08:00:00.000Z', 1, ''), ('2026-12-02', '2026-12-02T08:00:00.000Z', 0, 'late; é');
      INSERT INTO dispatches (id, issue, round, started_at, finished_at, status, sent, note) VALUES
        (3, '2026-12-01', 1, '2026-12-01T08:00:01.000Z', NULL, 'stopped', 10, 'relay said 421'), (9, '2026-12-01', 2, '2026-12-01T09:00:00.000Z', '2026-12-01T09:10:00.000Z', 'done', 5000, '');
      INSERT INTO deliveries (issue, round, subscriber_id, status, message_id, attempts, updated_at)
        SELECT '2026-12-01', 2, id, CASE id % 4 WHEN 0 THEN 'sent' WHEN 1 THEN 'doubt' WHEN 2 THEN 'failed' ELSE 'queued' END, '<' || id || '@example.org>', id % 3, '2026-12-01T09:05:00.000Z' FROM subscribers;
      INSERT INTO suppressions VALUES ('a1b2c3', 'complaint', '2026-12-03T00:00:00.000Z'), ('ffee', 'erased', '2026-12-04T00:00:00.000Z');
      INSERT INTO confirmations VALUES ('reader1@example.org', '2026-12-01', 2);
      INSERT INTO source_files VALUES ('2026/12/01.md', 'git', '', '', 'abc', '2026-12-01T07:00:00.000Z', '2026-12-01T07:30:00.000Z');
      INSERT INTO source_syncs VALUES ('git+https://example.org/r', 'deadbeef', NULL, '2026-12-01T07:30:00.000Z', '');
      INSERT INTO webhook_events (seq, id, url, subject, type, body, created_at, next_at) VALUES
        (41, 'msg_1', 'https://hooks.example.org/a', 'subscriber:2', 'subscriber.created', '{"a":"b\\\\n"}', '2026-12-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z');
      INSERT INTO locks VALUES ('dispatch', 4242, 'here', '2026-12-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z', 'n');
    `);
    db.close();
  });
  afterAll(() => rmSync(cwd, { recursive: true, force: true }));

  it('copies every table into an empty database, keeping ids and values, and prints the counts of both sides', async () => {
    const run = await paperboy(['db', 'copy', '--to', target.url], { cwd, env });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const source = sqliteRows(file);
    const kept = SUBSCRIBERS - Math.floor(SUBSCRIBERS / 7);
    expect(source.subscribers).toHaveLength(kept);
    expect(source.deliveries).toHaveLength(kept);
    expect(source.events?.length).toBeGreaterThan(0);
    expect(run.stdout).toContain(`copied ${file} into postgres://postgres@${SERVER_HOST}/${target.name}:`);
    for (const table of COPIED_TABLES) {
      const n = source[table]?.length ?? -1;
      expect(run.stdout).toMatch(new RegExp(`^  ${table} +${n} rows in SQLite, +${n} in PostgreSQL$`, 'm'));
    }
    expect(await postgresRows(target.name)).toEqual(source);
  });

  it('tells, when links were signed with the key made on first run, to carry that key over', async () => {
    const fresh = await createThrowaway();
    writeFileSync(join(cwd, 'data', 'secret'), 'the-key-made-on-first-run\n', { mode: 0o600 });
    try {
      const run = await paperboy(['db', 'copy', '--to', fresh.url], { cwd, env: { PAPERBOY_DATA_DIR: env.PAPERBOY_DATA_DIR } });
      expect(run.status).toBe(0);
      expect(run.stdout).toContain(
        `links already mailed were signed with the key in ${join(cwd, 'data', 'secret')}: set PAPERBOY_SECRET to it on every machine that uses the copy\n`,
      );
      expect(run.stdout).not.toContain('the-key-made-on-first-run');
    } finally {
      rmSync(join(cwd, 'data', 'secret'));
      await fresh.drop();
    }
  });

  it('numbers what is added later after the copied ids', async () => {
    const sql = await openPostgres(target.url);
    try {
      const top = (await sql.get<{ top: number }>('SELECT MAX(id) AS top FROM subscribers'))?.top ?? 0;
      const added = await sql.get<{ id: number }>(
        `INSERT INTO subscribers (email, email_key, status, source, created_at, updated_at)
         VALUES ('new@example.org', 'new@example.org', 'pending', 'web', 'now', 'now') RETURNING id`,
      );
      expect(added?.id).toBe(top + 1);
      const seq = await sql.get<{ seq: number }>(
        `INSERT INTO webhook_events (id, url, subject, type, body, created_at, next_at) VALUES ('m2', 'u', 's', 't', '{}', 'n', 'n') RETURNING seq`,
      );
      expect(seq?.seq).toBe(42);
      const dispatch = await sql.get<{ id: number }>(
        "INSERT INTO dispatches (issue, round, started_at, status) VALUES ('2026-12-02', 1, 'n', 'running') RETURNING id",
      );
      expect(dispatch?.id).toBe(10);
    } finally {
      await sql.close();
    }
  });

  it('refuses a database that holds any row, in one line, and changes nothing', async () => {
    const before = await postgresRows(target.name);
    const run = await paperboy(['db', 'copy', '--to', target.url], { cwd, env });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(
      new RegExp(
        `^postgres://postgres@${SERVER_HOST_PATTERN}/${target.name}: the database is not empty \\(\\d+ in subscribers, .*\\); db copy fills only an empty one\\n$`,
      ),
    );
    expect(await postgresRows(target.name)).toEqual(before);
  });

  it('leaves nothing behind when a row cannot be copied, and says which table in one line', async () => {
    const fresh = await createThrowaway();
    const broken = join(cwd, 'broken.db');
    const db = new Database(file, { readonly: true });
    await db.backup(broken);
    db.close();
    const copy = new Database(broken);
    // PostgreSQL's text holds no NUL character.
    copy.prepare('UPDATE webhook_events SET body = ? WHERE seq = 41').run('{"a":"\u0000"}');
    copy.close();
    try {
      const sql = await openPostgres(fresh.url);
      const failure = await copyToPostgres(broken, sql, { pageRows: 1000 })
        .catch((e: Error) => e)
        .finally(() => sql.close());
      expect((failure as Error).message).toMatch(
        new RegExp(`^postgres://postgres@${SERVER_HOST_PATTERN}/${fresh.name}: webhook_events: a row PostgreSQL cannot take: `),
      );
      const rows = await asAdmin(
        (client) => client.query('SELECT (SELECT COUNT(*) FROM subscribers)::int AS s, (SELECT COUNT(*) FROM deliveries)::int AS d'),
        fresh.name,
      );
      expect(rows.rows).toEqual([{ s: 0, d: 0 }]);
    } finally {
      await fresh.drop();
    }
  });

  it('takes only a PostgreSQL URL, and never shows its password', async () => {
    const wrong = await paperboy(['db', 'copy', '--to', 'mysql://pb:hunter22@db/x'], { cwd, env });
    expect([wrong.status, wrong.stderr]).toEqual([
      2,
      'paperboy: --to takes a postgres:// or postgresql:// URL (postgres://user:password@host:5432/database)\n',
    ]);
    const missing = await paperboy(['db', 'copy', '--to', `postgres://postgres:hunter22@${SERVER_HOST}/pb_test_no_such_db`], { cwd, env });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(
      `postgres://postgres@${SERVER_HOST}/pb_test_no_such_db: the database "pb_test_no_such_db" does not exist (create it: createdb -O postgres pb_test_no_such_db) [3D000]\n`,
    );
    const none = await paperboy(['db', 'copy', '--to', target.url], { cwd: mkdtempSync(join(tmpdir(), 'paperboy-copy-none-')), env: {} });
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/data\/paperboy\.db: there is no list to copy \(the file does not exist\)\n$/);
  });
});
