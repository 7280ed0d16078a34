import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { PaperboyError } from '../errors.ts';
import { databaseFailure } from './failure.ts';
import { MIGRATIONS } from './_migrations.ts';

/** The SQLite database paperboy keeps its state in. */
export type Db = Database.Database;

/** Where the database lives under the data folder. */
export const DATABASE_FILE = 'paperboy.db';

/** Brings a database up to the newest schema, one numbered step at a time, each in a transaction. */
export function migrate(db: Db): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new PaperboyError(`${db.name}: the database is from a newer paperboy (schema ${current}, this one knows ${MIGRATIONS.length})`);
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[version]?.sqlite as string);
      db.pragma(`user_version = ${version + 1}`);
    })();
  }
  return MIGRATIONS.length;
}

/** How an opened database waits for a lock another process holds. */
export interface OpenOptions {
  /**
   * How long a statement blocks waiting for the lock: a command line can wait (5 s by default); a
   * server gives 0 and waits without blocking (the `Sql` face over it, `sqliteSql`, waits).
   */
  busyTimeoutMs?: number;
}

/** An empty database in memory, for a command that only reads where no list exists yet: nothing is created on disk. */
export function emptyDatabase(): Db {
  const db = new Database(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

/** Whether the database under `dataDir` exists. */
export function databaseExists(dataDir: string): boolean {
  return existsSync(join(dataDir, DATABASE_FILE));
}

/** Opens (creating if need be) the database under `dataDir`, in WAL mode, migrated. */
export function openDatabase(dataDir: string, options: OpenOptions = {}): Db {
  const path = join(dataDir, DATABASE_FILE);
  let db: Db;
  try {
    // The list is personal data: the folder and the files are the owner's alone. SQLite gives its
    // -wal and -shm files the mode of the database file.
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    chmodSync(dataDir, 0o700);
    closeSync(openSync(path, 'a', 0o600));
    chmodSync(path, 0o600);
    db = new Database(path);
  } catch (error) {
    throw (
      databaseFailure(path, error) ?? new PaperboyError(`${path}: cannot open the database: ${(error as Error).message}`, { cause: error })
    );
  }
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // What is deleted is overwritten, so an erased address leaves no bytes behind in the file.
    db.pragma('secure_delete = ON');
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
    migrate(db);
    for (const side of ['-wal', '-shm']) if (existsSync(path + side)) chmodSync(path + side, 0o600);
  } catch (error) {
    // A database this program cannot use (a newer schema, a damaged file, say) is not left open.
    db.close();
    throw databaseFailure(path, error) ?? error;
  }
  return db;
}
