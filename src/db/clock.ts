import type { Sql } from './sql.ts';

/**
 * The database's time in epoch ms, as an SQL expression: the server's clock on PostgreSQL (one clock
 * for every machine), the process's on SQLite (one machine), given as the value `@nowMs`.
 */
export function nowMsOf(sql: Sql): string {
  return sql.dialect === 'postgres' ? '(extract(epoch from clock_timestamp()) * 1000)::bigint' : '@nowMs';
}
