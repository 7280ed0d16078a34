import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { PaperboyError } from '../errors.ts';
import { databaseFailure } from './failure.ts';
import { StatementError } from './postgres-failure.ts';
import { MIGRATIONS_COUNT } from './postgres-migrate.ts';
import type { Sql } from './sql.ts';

/**
 * What a copy carries, parents before the rows that point at them; the lock table is left behind
 * (a lock belongs to a process on the machine it was taken on).
 */
export const COPIED_TABLES = [
  'subscribers',
  'events',
  'suppressions',
  'publications',
  'dispatches',
  'deliveries',
  'confirmations',
  'source_files',
  'source_syncs',
  'webhook_events',
] as const;

/** One table copied: the rows read from the SQLite file, and those counted on each side afterwards. */
export interface CopiedTable {
  table: (typeof COPIED_TABLES)[number];
  read: number;
  sqlite: number;
  postgres: number;
}

/**
 * How a copy goes: how many rows a page holds (1,000 by default: a page goes as one JSON text, and
 * pages of 5,000, texts of 2 MB, raised a million-row copy's peak by about 13 MB for no speed), and
 * what is told after each page.
 */
export interface CopyOptions {
  pageRows?: number;
  onPage?: (table: string, copied: number) => void;
}

type Row = Record<string, string | number | null>;

// The SQLite file, read only, at the schema this program knows.
function openSource(path: string): Database.Database {
  if (!existsSync(path)) throw new PaperboyError(`${path}: there is no list to copy (the file does not exist)`);
  let db: Database.Database;
  try {
    db = new Database(path, { readonly: true, fileMustExist: true });
  } catch (error) {
    throw databaseFailure(path, error) ?? new PaperboyError(`${path}: cannot open the database: ${(error as Error).message}`);
  }
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version !== MIGRATIONS_COUNT) {
    db.close();
    throw new PaperboyError(
      version > MIGRATIONS_COUNT
        ? `${path}: the database is from a newer paperboy (schema ${version}, this one knows ${MIGRATIONS_COUNT})`
        : `${path}: the database is at schema ${version}, this paperboy's is ${MIGRATIONS_COUNT}: run \`paperboy status\` once to bring it up to date, then copy`,
    );
  }
  return db;
}

// Every row of a table in the order of its primary key, a page at a time: a page asks for the rows
// after the last key it saw, so memory holds one page however long the table.
function* pagesOf(db: Database.Database, table: string, size: number): Generator<Row[]> {
  const info = db.pragma(`table_info(${table})`) as { name: string; pk: number }[];
  const key = info
    .filter((c) => c.pk > 0)
    .sort((a, b) => a.pk - b.pk)
    .map((c) => c.name);
  const columns = key.join(', ');
  const first = db.prepare<[number], Row>(`SELECT * FROM ${table} ORDER BY ${columns} LIMIT ?`);
  const next = db.prepare<unknown[], Row>(
    `SELECT * FROM ${table} WHERE (${columns}) > (${key.map(() => '?').join(', ')}) ORDER BY ${columns} LIMIT ?`,
  );
  let page = first.all(size);
  while (page.length > 0) {
    yield page;
    if (page.length < size) return;
    const last = page[page.length - 1] as Row;
    page = next.all(...key.map((name) => last[name]), size);
  }
}

// The rows a table holds on the PostgreSQL side.
async function countOn(sql: Sql, table: string): Promise<number> {
  return (await sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))?.n ?? 0;
}

/**
 * Copies the list and the ledger from the SQLite file at `path` into the PostgreSQL database
 * `into` (migrated, and empty: one that holds any row is refused), keeping every id, and sets each
 * identity past the ids copied. All of it is one transaction: a copy that fails leaves nothing
 * behind. Each table's rows are counted on both sides afterwards; a difference undoes the copy.
 */
export async function copyToPostgres(path: string, into: Sql, options: CopyOptions = {}): Promise<CopiedTable[]> {
  const size = Math.max(1, options.pageRows ?? 1000);
  const source = openSource(path);
  try {
    // One read transaction: every page comes from the same moment of the file, even while paperboy writes to it.
    source.exec('BEGIN');
    return await into.transaction(async () => {
      const held: string[] = [];
      for (const table of [...COPIED_TABLES, 'locks']) {
        const n = await countOn(into, table);
        if (n > 0) held.push(`${n} in ${table}`);
      }
      if (held.length > 0) {
        throw new PaperboyError(`${into.name}: the database is not empty (${held.join(', ')}); db copy fills only an empty one`);
      }
      const copied: CopiedTable[] = [];
      for (const table of COPIED_TABLES) {
        let read = 0;
        for (const page of pagesOf(source, table, size)) {
          // The whole page is one value: PostgreSQL turns it back into rows of the table's own types.
          await into
            .run(`INSERT INTO ${table} SELECT * FROM json_populate_recordset(NULL::${table}, @rows::json)`, { rows: JSON.stringify(page) })
            .catch((error: unknown) => {
              if (!(error instanceof StatementError)) throw error;
              throw new PaperboyError(`${into.name}: ${table}: a row PostgreSQL cannot take: ${error.message.slice(into.name.length + 2)}`);
            });
          read += page.length;
          options.onPage?.(table, read);
        }
        const sqlite = (source.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
        const postgres = await countOn(into, table);
        if (read !== sqlite || postgres !== sqlite) {
          throw new PaperboyError(`${into.name}: ${table}: ${sqlite} rows in ${path}, ${read} read, ${postgres} written; nothing was kept`);
        }
        copied.push({ table, read, sqlite, postgres });
      }
      // New rows are numbered after the copied ones.
      for (const [table, column] of [
        ['subscribers', 'id'],
        ['events', 'id'],
        ['dispatches', 'id'],
        ['webhook_events', 'seq'],
      ]) {
        await into.run(
          `SELECT setval(pg_get_serial_sequence('${table}', '${column}'), COALESCE(MAX(${column}), 1), MAX(${column}) IS NOT NULL) FROM ${table}`,
        );
      }
      return copied;
    });
  } catch (error) {
    throw databaseFailure(path, error) ?? error;
  } finally {
    if (source.inTransaction) source.exec('COMMIT');
    source.close();
  }
}
