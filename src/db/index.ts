export { openDatabase, emptyDatabase, databaseExists, checkpoint, DATABASE_FILE, type Db, type OpenOptions } from './database.ts';
export { retryWhileBusy, isBusy, DatabaseBusyError } from './busy.ts';
export { databaseFailure, DatabaseFailure } from './failure.ts';
export { WebhookEvents, type PendingWebhook, type WebhookBacklog, type NewWebhook } from './webhook-events.ts';
export { openPostgres, PostgresSql, type PostgresOptions } from './postgres.ts';
export { migratePostgres, SCHEMA_TABLE } from './postgres-migrate.ts';
export { serverAddressOf, redact, StatementError, isConnectionLost } from './postgres-failure.ts';
export { copyToPostgres, COPIED_TABLES, type CopiedTable, type CopyOptions } from './copy.ts';
