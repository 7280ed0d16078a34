import type { openPostgres as open } from './postgres.ts';

export { openDatabase, emptyDatabase, databaseExists, DATABASE_FILE, type Db, type OpenOptions } from './database.ts';
export { isBusy, DatabaseBusyError } from './busy.ts';
export { databaseFailure, DatabaseFailure } from './failure.ts';
export { WebhookEvents, type PendingWebhook, type WebhookBacklog, type NewWebhook } from './webhook-events.ts';
export { sqliteSql, type SqliteOptions } from './sqlite.ts';
export { openedOnUse } from './opened-on-use.ts';
export { jsonRows, type JsonColumns } from './json-rows.ts';
export type { Sql, Dialect, Params, Written } from './sql.ts';
export { nowMsOf } from './clock.ts';
export type { PostgresSql, PostgresOptions } from './postgres.ts';
export { migratePostgres, SCHEMA_TABLE } from './postgres-migrate.ts';
export { serverAddressOf, redact, StatementError, isConnectionLost } from './postgres-failure.ts';
export { copyToPostgres, COPIED_TABLES, type CopiedTable, type CopyOptions } from './copy.ts';

/**
 * Opens a PostgreSQL database (see postgres.ts). Its driver is loaded here, on the first opening:
 * a program on its SQLite file goes without it.
 */
export async function openPostgres(...args: Parameters<typeof open>): ReturnType<typeof open> {
  return (await import('./postgres.ts')).openPostgres(...args);
}
