import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { PaperboyError } from '../errors.ts';
import { DatabaseBusyError } from './busy.ts';
import { DatabaseFailure } from './failure.ts';
import { PositionalCache } from './parameters.ts';
import {
  isConflict,
  isConnectionLost,
  isLockTimeout,
  postgresError,
  redact,
  serverFailure,
  serverAddressOf,
  type ServerAddress,
} from './postgres-failure.ts';
import { migratePostgres } from './postgres-migrate.ts';
import type { Params, Sql, Written } from './sql.ts';

/** How a PostgreSQL store connects and waits. */
export interface PostgresOptions {
  /** Connections kept at most (10 by default). */
  connections?: number;
  /** How long to wait for the server to answer a new connection (10 s by default). */
  connectTimeoutMs?: number;
  /**
   * How long a statement (or a transaction) keeps trying while the connection is lost (the server
   * restarting), before it gives up (60 s by default).
   */
  reconnectMs?: number;
  /** How long a transaction waits for the write lock another process holds (30 s by default). */
  busyMs?: number;
  /** Told of what goes wrong on an idle connection (the server went away); it never stops the process. */
  onIdleError?: (message: string) => void;
  /**
   * Commits without waiting for the server's disk (`synchronous_commit = off`): a process that only
   * sends, whose writes are outcomes a crash of the server could only make it send again (never lose).
   */
  asynchronousCommit?: boolean;
}

// OIDs of int8 and numeric: COUNT(*), ids and SUM(…) come back as numbers, as SQLite gives them.
const INT8 = 20;
const NUMERIC = 1700;

// The transaction-level advisory lock every transaction takes first: the one write lock of the
// database, as SQLite's BEGIN IMMEDIATE takes it, so transactions run one at a time, each seeing
// every change committed before it.
const WRITE_LOCK = 0x7061_7065_72;

/** How many times a transaction the server gave up (a deadlock, a serialization failure) is run again. */
const CONFLICT_ATTEMPTS = 5;

// The transaction a piece of work runs in, and what waits for its commit.
interface Running {
  client: pg.PoolClient;
  ended: boolean;
  afterCommit: (() => Promise<void>)[];
}

/** The numbers each connection gives back as numbers (the pool's own parsers; pg's global ones are left alone). */
function numberTypes(): pg.CustomTypesConfig {
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8, 'text', Number);
  types.setTypeParser(NUMERIC, 'text', Number);
  return types;
}

/** A PostgreSQL database, through a pool of connections: the `Sql` face over node-postgres. */
export class PostgresSql implements Sql {
  readonly dialect = 'postgres' as const;
  readonly name: string;
  readonly address: ServerAddress;
  readonly #pool: pg.Pool;
  readonly #statements = new PositionalCache();
  readonly #running = new AsyncLocalStorage<Running>();
  readonly #connectTimeoutMs: number;
  readonly #reconnectMs: number;
  readonly #busyMs: number;
  // Transactions of this process take turns before they take a connection: only one at a time can
  // hold the write lock anyway, and the others wait here instead of holding connections while they wait.
  #turnTaken = false;
  readonly #waiting: (() => void)[] = [];

  constructor(url: string, options: PostgresOptions = {}) {
    const address = serverAddressOf(url);
    if (address === undefined) throw new PaperboyError('the database URL is not a postgres:// or postgresql:// URL');
    this.address = address;
    this.name = address.name;
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.#reconnectMs = options.reconnectMs ?? 60_000;
    this.#busyMs = options.busyMs ?? 30_000;
    this.#pool = new pg.Pool({
      connectionString: url,
      max: options.connections ?? 10,
      connectionTimeoutMillis: this.#connectTimeoutMs,
      types: numberTypes(),
      application_name: 'paperboy',
      ...(options.asynchronousCommit ? { options: '-c synchronous_commit=off' } : {}),
    });
    // An idle connection the server dropped is an event, never a crash: the pool replaces it.
    const told = options.onIdleError;
    this.#pool.on('error', (error) => told?.(redact(`${this.name}: ${error.message}`, address.secrets)));
  }

  async all<Row>(text: string, params: Params = {}): Promise<Row[]> {
    return (await this.#query(text, params)).rows as Row[];
  }

  async get<Row>(text: string, params: Params = {}): Promise<Row | undefined> {
    return (await this.#query(text, params)).rows[0] as Row | undefined;
  }

  async run(text: string, params: Params = {}): Promise<Written> {
    return { changes: (await this.#query(text, params)).rowCount ?? 0 };
  }

  async transaction<T>(work: () => Promise<T>): Promise<T> {
    // A transaction inside another joins it; work that outlived its transaction (a timer it set) starts a new one.
    const outer = this.#running.getStore();
    if (outer !== undefined) return outer.ended ? this.#running.exit(() => this.transaction(work)) : work();
    await this.#takeTurn();
    try {
      const deadline = Date.now() + this.#reconnectMs;
      for (let attempt = 1, pause = 20; ; attempt++, pause = Math.min(pause * 2, 1000)) {
        try {
          return await this.#once(work);
        } catch (error) {
          const again =
            (isConflict(error) && attempt < CONFLICT_ATTEMPTS) ||
            (isConnectionLost(error) && !committing(error) && Date.now() + pause < deadline);
          if (again) {
            await sleep(pause * (0.5 + Math.random()));
            continue;
          }
          // Waiting for the lock too long, or conflicting every time: the database is busy.
          if (isLockTimeout(error) || isConflict(error)) throw new DatabaseBusyError(this.name, { cause: error });
          if (committing(error) && isConnectionLost(error)) {
            const code = (error as { code?: string }).code ?? '';
            throw new DatabaseFailure(
              this.name,
              code,
              'lost the connection to the server while committing: whether the change was kept is unknown',
            );
          }
          throw error;
        }
      }
    } finally {
      this.#giveTurn();
    }
  }

  // Waits for this process's other transactions to end, up to the deadline of the write lock.
  async #takeTurn(): Promise<void> {
    if (!this.#turnTaken) {
      this.#turnTaken = true;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const take = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        this.#waiting.splice(this.#waiting.indexOf(take), 1);
        reject(new DatabaseBusyError(this.name));
      }, this.#busyMs);
      this.#waiting.push(take);
    });
  }

  // Hands the turn to the next transaction in line, still taken, or frees it.
  #giveTurn(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#turnTaken = false;
    else next();
  }

  async forgetDeleted(tables: readonly string[]): Promise<void> {
    const vacuum = async () => {
      // INDEX_CLEANUP ON: with few rows deleted, VACUUM would otherwise leave their index entries
      // (an address in the unique index of addresses) for a later one.
      const names = tables.map((t) => `"${t.replaceAll('"', '""')}"`).join(', ');
      if (tables.length > 0) await this.#query(`VACUUM (INDEX_CLEANUP ON) ${names}`, {}, true);
    };
    // VACUUM runs outside any transaction: inside one, it waits for the commit that makes the deletions final.
    const running = this.#running.getStore();
    if (running === undefined || running.ended) await vacuum();
    else running.afterCommit.push(vacuum);
  }

  async close(): Promise<void> {
    await this.#pool.end();
  }

  /** Runs `work` once, in a transaction of its own on one connection. */
  async #once<T>(work: () => Promise<T>): Promise<T> {
    const client = await this.#pool.connect().catch((error: unknown) => {
      throw this.#failure(error);
    });
    // A checked-out connection the server drops says so as an event: without a listener, it would end the process.
    let lost: Error | undefined;
    const onError = (error: Error) => void (lost = error);
    client.on('error', onError);
    const running: Running = { client, ended: false, afterCommit: [] };
    let result: T;
    try {
      await this.#on(client, 'BEGIN');
      await this.#on(client, `SET LOCAL lock_timeout = ${Math.max(1, Math.floor(this.#busyMs))}`);
      await this.#on(client, `SELECT pg_advisory_xact_lock(${WRITE_LOCK})`);
      result = await this.#running.run(running, work);
      running.ended = true;
      // A connection that died before COMMIT kept nothing: the work may run again.
      if (lost !== undefined) throw this.#failure(lost);
      try {
        await this.#on(client, 'COMMIT');
      } catch (error) {
        // Unless the driver refused to send it, whether COMMIT was carried out cannot be known.
        throw Object.assign(error as Error, { committing: !unsent(error) });
      }
    } catch (error) {
      running.ended = true;
      let broken = lost ?? (isConnectionLost(error) ? (error as Error) : undefined);
      if (broken === undefined) await client.query('ROLLBACK').catch((failed: Error) => void (broken = failed));
      client.off('error', onError);
      // A connection that failed (or could not roll back) is closed, never handed out again.
      client.release(broken);
      // Whatever the work made of a lost connection, the transaction was lost with it: it may run again.
      throw lost !== undefined && !isConnectionLost(error) ? this.#failure(lost) : error;
    }
    client.off('error', onError);
    client.release();
    for (const after of running.afterCommit) await after();
    return result;
  }

  /** Runs one statement: in the transaction of the work it belongs to, else on its own, trying again while the server is away. */
  async #query(text: string, params: Params, alone = false): Promise<pg.QueryResult> {
    const { text: positional, names } = this.#statements.of(text);
    const values = names.map((name) => {
      const value = params[name];
      if (value === undefined) throw new Error(`${this.name}: the statement needs @${name}, which was not given: ${text}`);
      return value;
    });
    const running = alone ? undefined : this.#running.getStore();
    if (running !== undefined && !running.ended) return this.#on(running.client, positional, values);
    const deadline = Date.now() + this.#reconnectMs;
    for (let pause = 50; ; pause = Math.min(pause * 2, 2000)) {
      try {
        return await this.#pool.query(positional, values);
      } catch (error) {
        if (!isConnectionLost(error) || Date.now() + pause > deadline) throw this.#failure(error);
        await sleep(pause);
      }
    }
  }

  // One statement on one connection, its failure said as the caller sees it.
  async #on(client: pg.PoolClient, text: string, values: unknown[] = []): Promise<pg.QueryResult> {
    try {
      return await client.query(text, values);
    } catch (error) {
      throw this.#failure(error);
    }
  }

  // The error a caller sees: a one-line failure of the server, or the statement's own error (both
  // keep the server's code); an error that did not come from the server is left as it is.
  #failure(error: unknown): Error {
    const fromServer = error instanceof pg.DatabaseError || isConnectionLost(error) || serverFailure(this.address, error) !== undefined;
    return fromServer ? postgresError(this.address, error, this.#connectTimeoutMs) : (error as Error);
  }

  /** Checks out one connection and gives it back: the server can be reached, and the login is good. */
  async ping(): Promise<void> {
    try {
      const client = await this.#pool.connect();
      client.release();
    } catch (error) {
      throw this.#failure(error);
    }
  }
}

// Whether node-postgres refused to send a statement over a connection it knows is broken.
function unsent(error: unknown): boolean {
  return /not queryable/.test((error as Error | undefined)?.message ?? '');
}

// Whether the connection was lost while COMMIT was on its way: whether it was kept cannot be known.
function committing(error: unknown): boolean {
  return (error as { committing?: unknown } | undefined)?.committing === true;
}

/** The oldest PostgreSQL paperboy runs on. */
const OLDEST_SERVER = 150000;

/**
 * Opens the PostgreSQL database a URL names: connects, checks the server, and migrates. Whatever
 * is wrong (the server out of reach, the database missing, the login or a right refused, a newer
 * schema) is one line naming the URL without its password, and nothing is left open or half-done.
 */
export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<PostgresSql> {
  const sql = new PostgresSql(url, options);
  try {
    await sql.ping();
    const server = await sql.get<{ version: string }>("SELECT current_setting('server_version_num') AS version");
    if (Number(server?.version) < OLDEST_SERVER) {
      throw new PaperboyError(`${sql.name}: PostgreSQL ${server?.version} is too old; paperboy needs 15 or newer`);
    }
    await migratePostgres(sql);
    return sql;
  } catch (error) {
    await sql.close();
    throw error;
  }
}
