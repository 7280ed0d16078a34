import { PaperboyError } from '../errors.ts';

/** Another process holds the database's write lock for longer than the work can wait. */
export class DatabaseBusyError extends PaperboyError {
  override name = 'DatabaseBusyError';
  constructor(path: string, options?: { cause?: unknown }) {
    super(
      `${path}: the database is busy: another paperboy process is writing to it (a dispatch, an import); try again in a moment`,
      options,
    );
  }
}

/** Whether an error is SQLite saying another connection holds the lock. */
export function isBusy(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED'));
}
