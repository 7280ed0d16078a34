import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.ts';
import { openPostgres, type PostgresSql } from '../../src/db/postgres.ts';
import { SCHEMA_TABLE } from '../../src/db/postgres-migrate.ts';
import { has } from '../helpers/peers.ts';
import { throwawayDatabase } from '../helpers/postgres.ts';

/** One table as both databases can describe it, in words that mean the same on both. */
interface TableShape {
  columns: string[];
  primaryKey: string[];
  /** The column the database numbers itself when no value is given: SQLite's INTEGER PRIMARY KEY, PostgreSQL's identity. */
  numbered: string[];
  unique: string[];
  indexes: string[];
  foreignKeys: string[];
  checks: string[];
}
type Schema = Record<string, TableShape>;

const typeOf = (type: string) => (/int/i.test(type) ? 'integer' : type.toLowerCase() === 'text' ? 'text' : `?${type}`);
// A default as written, without PostgreSQL's cast (`''::text` is `''`).
const defaultOf = (value: string | null) => (value === null ? 'none' : value.replace(/::[a-z ]+$/i, ''));
// `status: doubt,failed,queued,…`: the values a CHECK (… IN (…)) allows a column.
const allowed = (column: string, values: string[]) => `${column}: ${[...values].sort().join(',')}`;

function sqliteSchema(db: Database.Database): Schema {
  const schema: Schema = {};
  const tables = db
    .prepare<[], { name: string; sql: string }>("SELECT name, sql FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
    .all();
  for (const { name, sql } of tables) {
    const info = db.pragma(`table_info(${name})`) as {
      name: string;
      type: string;
      notnull: number;
      dflt_value: string | null;
      pk: number;
    }[];
    const indexes = db.pragma(`index_list(${name})`) as { name: string; unique: number; origin: string }[];
    const columnsOf = (index: string) => (db.pragma(`index_info(${index})`) as { name: string }[]).map((c) => c.name).join(',');
    const foreign = db.pragma(`foreign_key_list(${name})`) as { table: string; from: string; to: string; on_delete: string }[];
    schema[name] = {
      // A primary key's columns are never null (SQLite would let a rowid table's text key be; paperboy never writes one).
      columns: info.map((c) => `${c.name} ${typeOf(c.type)} ${c.notnull || c.pk ? 'not null' : 'null'} default ${defaultOf(c.dflt_value)}`),
      primaryKey: info
        .filter((c) => c.pk > 0)
        .sort((a, b) => a.pk - b.pk)
        .map((c) => c.name),
      numbered: info.filter((c) => c.pk === 1 && /^integer$/i.test(c.type) && info.filter((o) => o.pk > 0).length === 1).map((c) => c.name),
      unique: indexes.filter((i) => i.origin === 'u').map((i) => columnsOf(i.name)),
      indexes: indexes
        .filter((i) => i.origin === 'c')
        .map((i) => `${i.name}${i.unique ? ' unique' : ''} (${columnsOf(i.name)})`)
        .sort(),
      foreignKeys: foreign.map((f) => `${f.from} -> ${f.table}(${f.to}) on delete ${f.on_delete.toLowerCase()}`),
      checks: [...sql.matchAll(/(\w+) IN \(([^)]*)\)/g)]
        .map((m) =>
          allowed(
            m[1] as string,
            [...(m[2] as string).matchAll(/'([^']*)'/g)].map((v) => v[1] as string),
          ),
        )
        .sort(),
    };
  }
  return schema;
}

async function postgresSchema(sql: PostgresSql): Promise<Schema> {
  const schema: Schema = {};
  const tables = await sql.all<{ name: string }>(
    `SELECT table_name AS name FROM information_schema.tables
     WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' AND table_name <> @own`,
    { own: SCHEMA_TABLE },
  );
  for (const { name } of tables) {
    const columns = await sql.all<{ name: string; type: string; nullable: string; value: string | null; identity: string }>(
      `SELECT column_name AS name, data_type AS type, is_nullable AS nullable, column_default AS value, is_identity AS identity
       FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = @name ORDER BY ordinal_position`,
      { name },
    );
    const constraints = await sql.all<{
      kind: string;
      columns: string;
      definition: string;
      target: string | null;
      target_columns: string | null;
      on_delete: string;
    }>(
      `SELECT c.contype AS kind, c.confdeltype AS on_delete, pg_get_constraintdef(c.oid) AS definition,
              (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS columns,
              c.confrelid::regclass::text AS target,
              (SELECT string_agg(a.attname, ',' ORDER BY k.n) FROM unnest(c.confkey) WITH ORDINALITY k(attnum, n)
                 JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum) AS target_columns
       FROM pg_constraint c WHERE c.conrelid = @name::regclass`,
      { name },
    );
    const indexes = await sql.all<{ name: string; definition: string }>(
      `SELECT ci.relname AS name, pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i
       JOIN pg_class ci ON ci.oid = i.indexrelid
       WHERE i.indrelid = @name::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)`,
      { name },
    );
    const of = (kind: string) => constraints.filter((c) => c.kind === kind);
    schema[name] = {
      columns: columns.map((c) => `${c.name} ${typeOf(c.type)} ${c.nullable === 'NO' ? 'not null' : 'null'} default ${defaultOf(c.value)}`),
      primaryKey: (of('p')[0]?.columns ?? '').split(',').filter(Boolean),
      numbered: columns.filter((c) => c.identity === 'YES').map((c) => c.name),
      unique: of('u').map((c) => c.columns),
      indexes: indexes
        .map(
          (i) =>
            `${i.name}${/^CREATE UNIQUE/.test(i.definition) ? ' unique' : ''} (${/\(([^)]*)\)$/.exec(i.definition)?.[1]?.replaceAll(' ', '')})`,
        )
        .sort(),
      foreignKeys: of('f').map(
        (f) =>
          `${f.columns} -> ${f.target}(${f.target_columns}) on delete ${{ c: 'cascade', a: 'no action', r: 'restrict', n: 'set null', d: 'set default' }[f.on_delete]}`,
      ),
      checks: of('c')
        .map((c) => {
          const column = /\(\(?(\w+) = ANY/.exec(c.definition)?.[1] ?? c.definition;
          return allowed(
            column,
            [...c.definition.matchAll(/'([^']*)'::text/g)].map((v) => v[1] as string),
          );
        })
        .sort(),
    };
  }
  return schema;
}

// Where two schemas differ, table by table, in lines.
function differences(a: Schema, b: Schema): string[] {
  const lines: string[] = [];
  for (const table of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const [x, y] = [a[table], b[table]];
    if (x === undefined || y === undefined) {
      lines.push(`${table}: only in ${x === undefined ? 'PostgreSQL' : 'SQLite'}`);
      continue;
    }
    for (const part of Object.keys(x) as (keyof TableShape)[]) {
      if (JSON.stringify(x[part]) !== JSON.stringify(y[part]))
        lines.push(`${table}.${part}: SQLite ${JSON.stringify(x[part])}, PostgreSQL ${JSON.stringify(y[part])}`);
    }
  }
  return lines;
}

describe.runIf(has('postgres'))('the two schemas', () => {
  const database = throwawayDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'paperboy-drift-'));
  let sqlite: Database.Database;
  let postgres: PostgresSql;
  beforeAll(async () => {
    sqlite = openDatabase(dataDir);
    postgres = await openPostgres(database.url);
  });
  afterAll(async () => {
    sqlite?.close();
    await postgres?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('cannot drift: every table has the same columns, defaults, keys, constraints and indexes on SQLite and PostgreSQL', async () => {
    const [lite, server] = [sqliteSchema(sqlite), await postgresSchema(postgres)];
    expect(Object.keys(lite).sort()).toEqual([
      'confirmations',
      'deliveries',
      'dispatches',
      'events',
      'locks',
      'publications',
      'send_budgets',
      'senders',
      'source_files',
      'source_syncs',
      'subscribers',
      'suppressions',
      'webhook_events',
    ]);
    // What the comparison rests on is there to compare.
    expect(lite.deliveries?.checks).toEqual(['status: doubt,failed,queued,sent,skipped']);
    expect(lite.subscribers?.unique).toEqual(['email_key']);
    expect([lite.subscribers?.numbered, lite.deliveries?.numbered, lite.webhook_events?.numbered]).toEqual([['id'], [], ['seq']]);
    expect(lite.events?.foreignKeys).toEqual(['subscriber_id -> subscribers(id) on delete cascade']);
    expect(differences(lite, server)).toEqual([]);
  });

  it('tells a column, an index or an allowed value added to one database only', async () => {
    await postgres.run("ALTER TABLE subscribers ADD COLUMN extra TEXT NOT NULL DEFAULT 'x'");
    await postgres.run('CREATE INDEX events_by_at ON events (at)');
    sqlite.exec('CREATE TABLE IF NOT EXISTS only_here (id INTEGER PRIMARY KEY)');
    try {
      const found = differences(sqliteSchema(sqlite), await postgresSchema(postgres));
      expect(found).toEqual([
        expect.stringMatching(/^subscribers\.columns: .*"extra text not null default 'x'"\]$/),
        expect.stringMatching(/^events\.indexes: .*events_by_at \(at\)/),
        'only_here: only in SQLite',
      ]);
    } finally {
      await postgres.run('ALTER TABLE subscribers DROP COLUMN extra; DROP INDEX events_by_at');
      sqlite.exec('DROP TABLE only_here');
    }
  });
});
