import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_COUNT } from '../../src/db/postgres-migrate.ts';
import { openPostgres, PostgresSql } from '../../src/db/postgres.ts';
import { PaperboyError } from '../../src/errors.ts';
import { root } from '../helpers/paths.ts';
import { has } from '../helpers/peers.ts';
import {
  asAdmin,
  createThrowaway,
  freePort,
  SERVER_HOST,
  SERVER_HOST_PATTERN,
  startPrivateServer,
  throwawayDatabase,
  type PrivateServer,
} from '../helpers/postgres.ts';

// What opening `url` failed with: its message, which must be one line and a PaperboyError.
async function failureOf(url: string, options = {}): Promise<string> {
  const error = await openPostgres(url, options).then(
    async (sql) => {
      await sql.close();
      return undefined;
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PaperboyError);
  const message = (error as Error).message;
  expect(message.split('\n')).toHaveLength(1);
  return message;
}

// The tables of the throwaway database's public schema.
async function tablesOf(database: string): Promise<string[]> {
  const result = await asAdmin(
    (client) =>
      client.query<{ name: string }>("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"),
    database,
  );
  return result.rows.map((row) => row.name);
}

describe.runIf(has('postgres'))('opening a PostgreSQL database', () => {
  const database = throwawayDatabase();

  it('migrates an empty database to the newest schema, and opens it again without a step', async () => {
    const sql = await openPostgres(database.url);
    try {
      expect(sql.name).toBe(`postgres://postgres@${SERVER_HOST}/${database.name}`);
      expect(await sql.get('SELECT version FROM paperboy_schema')).toEqual({ version: MIGRATIONS_COUNT });
      expect(await tablesOf(database.name)).toContain('deliveries');
    } finally {
      await sql.close();
    }
    const again = await openPostgres(database.url);
    expect(await again.all('SELECT version FROM paperboy_schema')).toEqual([{ version: MIGRATIONS_COUNT }]);
    await again.close();
  });

  it('lets processes that start at once migrate one at a time: one migrates, the others find it done', async () => {
    const fresh = await createThrowaway();
    try {
      const opened = await Promise.all(Array.from({ length: 4 }, () => openPostgres(fresh.url)));
      await Promise.all(opened.map((sql) => sql.close()));
      expect(await tablesOf(fresh.name)).toEqual([
        'confirmations',
        'deliveries',
        'dispatches',
        'events',
        'locks',
        'paperboy_schema',
        'publications',
        'send_budgets',
        'senders',
        'source_files',
        'source_syncs',
        'subscribers',
        'suppressions',
        'webhook_events',
      ]);
      const versions = await asAdmin((client) => client.query('SELECT version FROM paperboy_schema'), fresh.name);
      expect(versions.rows).toEqual([{ version: MIGRATIONS_COUNT }]);
    } finally {
      await fresh.drop();
    }
  });

  it.runIf(has('processes'))('lets two processes that start at once migrate one at a time', async () => {
    const fresh = await createThrowaway();
    try {
      const script = `import(process.argv[1]).then((db) => db.openPostgres(process.argv[2])).then((sql) => sql.close())
        .then(() => process.exit(0), (error) => { console.error(error.message); process.exit(1); });`;
      const runs = await Promise.all(
        [1, 2].map(
          () =>
            new Promise<{ status: number | null; stderr: string }>((resolve) => {
              const child = spawn(process.execPath, ['-e', script, join(root, 'dist', 'db', 'postgres.js'), fresh.url], { cwd: root });
              let stderr = '';
              child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
              child.on('close', (status) => resolve({ status, stderr }));
            }),
        ),
      );
      expect(runs).toEqual([
        { status: 0, stderr: '' },
        { status: 0, stderr: '' },
      ]);
      const versions = await asAdmin((client) => client.query('SELECT version FROM paperboy_schema'), fresh.name);
      expect(versions.rows).toEqual([{ version: MIGRATIONS_COUNT }]);
    } finally {
      await fresh.drop();
    }
  });

  it('refuses a database from a newer paperboy in one line, as SQLite’s, and leaves no connection open', async () => {
    const fresh = await createThrowaway();
    try {
      await (await openPostgres(fresh.url)).close();
      await asAdmin((client) => client.query('UPDATE paperboy_schema SET version = 999'), fresh.name);
      expect(await failureOf(fresh.url)).toBe(
        `postgres://postgres@${SERVER_HOST}/${fresh.name}: the database is from a newer paperboy (schema 999, this one knows ${MIGRATIONS_COUNT})`,
      );
      const open = await asAdmin((client) =>
        client.query("SELECT COUNT(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND application_name = 'paperboy'", [fresh.name]),
      );
      expect(open.rows).toEqual([{ n: 0 }]);
    } finally {
      await fresh.drop();
    }
  });

  it('says in one line that nothing listens where the URL points', async () => {
    const port = await freePort();
    const started = Date.now();
    expect(await failureOf(`postgres://pb@127.0.0.1:${port}/paperboy`)).toBe(
      `postgres://pb@127.0.0.1:${port}/paperboy: cannot reach the server: nothing listens at 127.0.0.1:${port} (is PostgreSQL running there?) [ECONNREFUSED]`,
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('gives up on a server that never answers, in one line', async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => void held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      expect(await failureOf(`postgres://pb@127.0.0.1:${port}/paperboy`, { connectTimeoutMs: 800 })).toBe(
        `postgres://pb@127.0.0.1:${port}/paperboy: cannot reach the server at 127.0.0.1:${port}: no answer within 1 s`,
      );
    } finally {
      for (const socket of held) socket.destroy();
      silent.close();
    }
  });

  it('names a database that does not exist, and never the password of the URL', async () => {
    const role = `pb_pw_${randomBytes(4).toString('hex')}`;
    await asAdmin((client) => client.query(`CREATE ROLE ${role} LOGIN PASSWORD 's3cr3tpw'`));
    try {
      const url = `postgres://${role}:s3cr3tpw@${SERVER_HOST}/pb_test_missing_${randomBytes(4).toString('hex')}`;
      const message = await failureOf(url);
      expect(message).toMatch(
        new RegExp(`^postgres://${role}@${SERVER_HOST_PATTERN}/pb_test_missing_\\w+: the database "pb_test_missing_\\w+" does not exist`),
      );
      expect(message).not.toContain('s3cr3tpw');
      expect(new PostgresSql(url).name).toBe(url.replace(':s3cr3tpw', ''));
    } finally {
      await asAdmin((client) => client.query(`DROP ROLE ${role}`));
    }
  });

  it('says a user may not create the tables, creates none, and opens once granted (and after, without the right)', async () => {
    const fresh = await createThrowaway();
    const role = `pb_noddl_${randomBytes(4).toString('hex')}`;
    await asAdmin((client) => client.query(`CREATE ROLE ${role} LOGIN PASSWORD 's3cr3tpw'`));
    try {
      // PostgreSQL 15 gives PUBLIC no CREATE on the public schema.
      const url = `postgres://${role}:s3cr3tpw@${SERVER_HOST}/${fresh.name}`;
      const message = await failureOf(url);
      expect(message).toMatch(
        new RegExp(
          `^postgres://${role}@${SERVER_HOST_PATTERN}/${fresh.name}: user "${role}" lacks a right paperboy needs \\(permission denied for schema public\\)`,
        ),
      );
      expect(message).not.toContain('s3cr3tpw');
      expect(await tablesOf(fresh.name)).toEqual([]);

      await asAdmin((client) => client.query(`GRANT CREATE ON SCHEMA public TO ${role}`), fresh.name);
      await (await openPostgres(url)).close();
      await asAdmin((client) => client.query(`REVOKE CREATE ON SCHEMA public FROM ${role}`), fresh.name);
      const sql = await openPostgres(url);
      expect(await sql.get('SELECT COUNT(*) AS n FROM subscribers')).toEqual({ n: 0 });
      await sql.close();
    } finally {
      await fresh.drop();
      await asAdmin((client) => client.query(`DROP OWNED BY ${role}; DROP ROLE ${role}`));
    }
  });
});

describe.runIf(has('postgres', 'initdb'))('opening a PostgreSQL server that asks for passwords', () => {
  let server: PrivateServer;
  beforeAll(async () => {
    server = await startPrivateServer('right-pw-4471');
  });
  afterAll(() => server?.stop());

  it('says a wrong password was refused, never showing it, and opens with the right one', async () => {
    const message = await failureOf(server.url('postgres', 'wr0ng-pw-9932'));
    expect(message).toBe(`${server.url('postgres', 'x').replace(':x@', '@')}: the server refused the password of user "postgres" [28P01]`);
    expect(message).not.toContain('wr0ng-pw-9932');
    const noPassword = await failureOf(server.url('postgres', '').replace(':@', '@'));
    expect(noPassword).toMatch(/: the server asks user "postgres" for a password, and the URL has none/);
    const sql = await openPostgres(server.url('postgres', 'right-pw-4471'));
    expect(sql.name).not.toContain('right-pw-4471');
    await sql.close();
  });
});
