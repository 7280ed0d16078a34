import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { root } from './paths.ts';

/** The server the tests make their databases on: PAPERBOY_TEST_DATABASE_URL, else the local one with trust auth. */
export const TEST_SERVER_URL = process.env.PAPERBOY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The test server's host and port, as a URL to it shows them (`127.0.0.1:5432`), and as a pattern. */
export const SERVER_HOST = new URL(TEST_SERVER_URL).host;
export const SERVER_HOST_PATTERN = SERVER_HOST.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `TEST_SERVER_URL` naming another database on the same server. */
export function databaseUrl(database: string, server = TEST_SERVER_URL): string {
  const url = new URL(server);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Whether the test server answers a query (within a few seconds): the `postgres` peer. */
export function postgresAnswers(url = TEST_SERVER_URL): boolean {
  const probe = `const c = new (require('pg').Client)({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
    c.connect().then(() => c.query('SELECT 1')).then(() => c.end()).then(() => process.exit(0), () => process.exit(1));`;
  return spawnSync(process.execPath, ['-e', probe, url], { cwd: root, stdio: 'ignore', timeout: 10_000 }).status === 0;
}

/** Runs statements as the test server's own user (on its default database, or `database`). */
export async function asAdmin<T>(work: (client: pg.Client) => Promise<T>, database?: string): Promise<T> {
  const client = new pg.Client({ connectionString: database === undefined ? TEST_SERVER_URL : databaseUrl(database) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** A database of its own for a test file: made empty before its tests, dropped after them. */
export interface ThrowawayDatabase {
  /** Its name (`pb_test_…`). */
  readonly name: string;
  /** Its URL, as the server's own user. */
  readonly url: string;
}

/** A fresh database name, never used before. */
export function throwawayName(prefix = 'pb_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** Creates an empty database and returns it with what drops it again. */
export async function createThrowaway(prefix?: string): Promise<ThrowawayDatabase & { drop(): Promise<void> }> {
  const name = throwawayName(prefix);
  await asAdmin((client) => client.query(`CREATE DATABASE ${name}`));
  return {
    name,
    url: databaseUrl(name),
    drop: () => asAdmin((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/**
 * A throwaway database for the tests of one file (call it inside a `describe.runIf(has('postgres'))`):
 * created before they run, dropped with everything in it after them.
 */
export function throwawayDatabase(): ThrowawayDatabase {
  let made: (ThrowawayDatabase & { drop(): Promise<void> }) | undefined;
  beforeAll(async () => {
    made = await createThrowaway();
  });
  afterAll(async () => {
    await made?.drop();
  });
  return {
    get name() {
      if (made === undefined) throw new Error('the throwaway database is made before the tests run');
      return made.name;
    },
    get url() {
      if (made === undefined) throw new Error('the throwaway database is made before the tests run');
      return made.url;
    },
  };
}

/** Where Debian keeps PostgreSQL's `initdb` (the newest version installed), if it does. */
export function initdbPath(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  return versions.map((v) => join(base, v, 'bin', 'initdb')).find((path) => existsSync(path));
}

/** A PostgreSQL server of the test's own, that asks for passwords (SCRAM), unlike the shared one. */
export interface PrivateServer {
  /** A URL to it as `user` with `password` (the server's own user is `postgres`). */
  url(user: string, password: string, database?: string): string;
  /** Restarts it as an operator would (`pg_ctl restart -m fast`): every connection is ended. */
  restart(): void;
  stop(): void;
}

/** Starts a throwaway server on a free port whose `postgres` user has `password`; run as root, it runs as the `postgres` user. */
export async function startPrivateServer(password: string): Promise<PrivateServer> {
  const initdb = initdbPath();
  if (initdb === undefined) throw new Error('no initdb here: apt-get install postgresql');
  const bin = dirname(initdb);
  const dir = mkdtempSync(join(tmpdir(), 'paperboy-pg-'));
  const asRoot = process.getuid?.() === 0;
  const run = (program: string, args: string[]) =>
    execFileSync(asRoot ? 'runuser' : program, asRoot ? ['-u', 'postgres', '--', program, ...args] : args, { stdio: 'ignore' });
  if (asRoot) {
    const [uid, gid] = ['-u', '-g'].map((flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim()));
    chownSync(dir, uid as number, gid as number);
  }
  writeFileSync(join(dir, 'password'), `${password}\n`, { mode: 0o644 });
  const port = await freePort();
  run(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${join(dir, 'password')}`, '-N']);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  run(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-o', options, '-w', '-l', join(dir, 'log'), 'start']);
  return {
    url: (user, secret, database = 'postgres') =>
      `postgres://${encodeURIComponent(user)}:${encodeURIComponent(secret)}@127.0.0.1:${port}/${database}`,
    restart: () =>
      run(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-o', options, '-w', '-m', 'fast', '-l', join(dir, 'log'), 'restart']),
    stop: () => {
      try {
        run(join(bin, 'pg_ctl'), ['-D', join(dir, 'data'), '-m', 'immediate', 'stop']);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** A TCP port nothing listens on (it was free a moment ago). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address !== null ? address.port : 0;
}
