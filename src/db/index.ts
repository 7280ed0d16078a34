export { openDatabase, emptyDatabase, databaseExists, DATABASE_FILE, type Db, type OpenOptions } from './database.ts';
export { isBusy, DatabaseBusyError } from './busy.ts';
export { databaseFailure, DatabaseFailure } from './failure.ts';
export { WebhookEvents, type PendingWebhook, type WebhookBacklog, type NewWebhook } from './webhook-events.ts';
export { sqliteSql, type SqliteOptions } from './sqlite.ts';
export type { Sql, Dialect, Params, Written } from './sql.ts';
