import { AsyncLocalStorage } from 'node:async_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import { DatabaseBusyError, isBusy } from './busy.ts';
import { databaseFailure } from './failure.ts';
import type { Params, Sql, Written } from './sql.ts';

// One open transaction: what runs after it commits (a checkpoint cannot run inside one).
interface Transaction {
  connection: Connection;
  open: boolean;
  afterCommit: (() => void)[];
}

// What every face over one SQLite connection shares: its statements, and whose turn it is.
interface Connection {
  statements: Map<string, Database.Statement>;
  /** Some work has the connection: an open transaction, or a statement waiting for another process's lock. */
  held: boolean;
  /** Work waiting for its turn, first come first served. */
  waiting: (() => void)[];
}

const connections = new WeakMap<Database.Database, Connection>();
// The transaction the work running now belongs to, followed through its awaits. Following work
// costs something on every promise of the process, so it is turned off while no transaction is
// open or waiting (a dispatch's thousands of single writes then pay nothing for it).
const current = new AsyncLocalStorage<Transaction>();
let transactions = 0;

function connectionOf(db: Database.Database): Connection {
  let connection = connections.get(db);
  if (connection === undefined) {
    connection = { statements: new Map(), held: false, waiting: [] };
    connections.set(db, connection);
  }
  return connection;
}

// Whether nothing has the connection and nobody waits for it.
const free = (connection: Connection) => !connection.held && connection.waiting.length === 0;

// Takes the connection, in line behind whoever waits.
async function take(connection: Connection): Promise<void> {
  if (free(connection)) {
    connection.held = true;
    return;
  }
  // The one letting go hands the connection over still held.
  await new Promise<void>((resolve) => connection.waiting.push(resolve));
}

// Hands the connection to the next in line, or frees it.
function release(connection: Connection): void {
  const nextInLine = connection.waiting.shift();
  if (nextInLine === undefined) connection.held = false;
  else nextInLine();
}

/** How a face over a SQLite connection waits for a lock another process holds. */
export interface SqliteOptions {
  /** How long work waits, without blocking, while another process holds the write lock (30 s by default). */
  waitMs?: number;
}

/**
 * The `Sql` face over a better-sqlite3 connection. Statements are prepared once per text. Work on
 * the connection takes turns: a statement outside a transaction never lands inside someone else's
 * open one. Faces made over the same connection (with other deadlines) share its turns and its
 * transactions.
 */
export function sqliteSql(db: Database.Database, options: SqliteOptions = {}): Sql {
  const connection = connectionOf(db);
  const waitMs = options.waitMs ?? 30_000;
  const name = db.name;

  const prepare = (text: string): Database.Statement => {
    let statement = connection.statements.get(text);
    if (statement === undefined) {
      statement = db.prepare(text);
      connection.statements.set(text, statement);
    }
    return statement;
  };
  const execute = <T>(run: () => T): T => {
    try {
      return run();
    } catch (error) {
      throw databaseFailure(name, error) ?? error;
    }
  };
  // Runs `step` in a turn of its own, and the transaction opened by it, if any, keeps the turn. While
  // another process holds the lock, it lets go of its turn (others read meanwhile), pauses and tries
  // again, up to the deadline; the event loop never blocks.
  const inTurn = async <T>(step: () => T, keep: boolean): Promise<T> => {
    const deadline = Date.now() + waitMs;
    for (let pause = 10; ; pause = Math.min(pause * 2, 250)) {
      // A free connection is taken at once, without a turn of the event loop.
      if (free(connection)) connection.held = true;
      else await take(connection);
      try {
        const result = execute(step);
        if (!keep) release(connection);
        return result;
      } catch (error) {
        release(connection);
        if (!isBusy(error)) throw error;
        if (Date.now() + pause > deadline) throw new DatabaseBusyError(name, { cause: error });
      }
      await sleep(pause);
    }
  };
  const joined = () => {
    const within = current.getStore();
    return within?.open === true && within.connection === connection ? within : undefined;
  };
  // A statement: at once inside the work's own transaction; otherwise in a turn of its own.
  const statement = async <T>(run: () => T): Promise<T> => (joined() === undefined ? inTurn(run, false) : execute(run));

  async function transaction<T>(work: () => Promise<T>): Promise<T> {
    if (joined() !== undefined) return work();
    transactions++;
    try {
      await inTurn(() => prepare('BEGIN IMMEDIATE').run(), true);
      const tx: Transaction = { connection, open: true, afterCommit: [] };
      try {
        const result = await current.run(tx, work);
        tx.open = false;
        execute(() => prepare('COMMIT').run());
        for (const after of tx.afterCommit) execute(after);
        return result;
      } catch (error) {
        tx.open = false;
        if (db.inTransaction) execute(() => prepare('ROLLBACK').run());
        throw error;
      } finally {
        release(connection);
      }
    } finally {
      if (--transactions === 0) current.disable();
    }
  }

  return {
    dialect: 'sqlite',
    name,
    all: <Row>(text: string, params?: Params) =>
      statement(() => (params === undefined ? prepare(text).all() : prepare(text).all(params)) as Row[]),
    get: <Row>(text: string, params?: Params) =>
      statement(() => (params === undefined ? prepare(text).get() : prepare(text).get(params)) as Row | undefined),
    run: (text: string, params?: Params) =>
      statement((): Written => ({ changes: (params === undefined ? prepare(text).run() : prepare(text).run(params)).changes })),
    transaction,
    async forgetDeleted() {
      const checkpoint = () => void db.pragma('wal_checkpoint(TRUNCATE)');
      // Inside a transaction the log cannot be emptied: it is, once the transaction commits.
      const within = joined();
      if (within !== undefined) within.afterCommit.push(checkpoint);
      else await statement(checkpoint);
    },
    async close() {
      await take(connection);
      if (db.open) db.close();
      // What comes after is refused by the closed connection, and waits for nothing.
      release(connection);
    },
  };
}
