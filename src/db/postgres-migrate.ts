import { PaperboyError } from '../errors.ts';
import { MIGRATIONS } from './_migrations.ts';
import type { Sql } from './sql.ts';

// The transaction-level advisory lock one migrating process holds: another that starts at the same
// moment waits on it, then finds the schema done.
const MIGRATION_LOCK = 0x7061_7065_73;

/** How many steps the newest schema has. */
export const MIGRATIONS_COUNT = MIGRATIONS.length;

/** The table that says how many steps of the schema a PostgreSQL database has had. */
export const SCHEMA_TABLE = 'paperboy_schema';

/**
 * Brings a PostgreSQL database up to the newest schema, every missing step in one transaction
 * under an advisory lock: all of them or none. A database from a newer paperboy is refused.
 */
export async function migratePostgres(sql: Sql): Promise<number> {
  return sql.transaction(async () => {
    await sql.run(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`);
    const table = await sql.get<{ found: string | null }>(`SELECT to_regclass('${SCHEMA_TABLE}')::text AS found`);
    if (table?.found == null) {
      await sql.run(`CREATE TABLE ${SCHEMA_TABLE} (version INTEGER NOT NULL); INSERT INTO ${SCHEMA_TABLE} (version) VALUES (0)`);
    }
    const current = (await sql.get<{ version: number }>(`SELECT version FROM ${SCHEMA_TABLE}`))?.version ?? 0;
    if (current > MIGRATIONS.length) {
      throw new PaperboyError(
        `${sql.name}: the database is from a newer paperboy (schema ${current}, this one knows ${MIGRATIONS.length})`,
      );
    }
    for (let version = current; version < MIGRATIONS.length; version++) await sql.run(MIGRATIONS[version]?.postgres as string);
    if (current < MIGRATIONS.length) await sql.run(`UPDATE ${SCHEMA_TABLE} SET version = @version`, { version: MIGRATIONS.length });
    return MIGRATIONS.length;
  });
}
