export { openDatabase, emptyDatabase, databaseExists, checkpoint, migrate, DATABASE_FILE, type Db, type OpenOptions } from './database.ts';
export { retryWhileBusy, isBusy, DatabaseBusyError } from './busy.ts';
