import { setTimeout as sleep } from 'node:timers/promises';
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

/**
 * Runs `work` (which writes synchronously), and while the database is busy, runs it again after a
 * short pause, without ever blocking the event loop, for up to `deadlineMs`; then gives up with a
 * `DatabaseBusyError`. A server stays responsive while another process holds the lock.
 */
export async function retryWhileBusy<T>(path: string, work: () => T, deadlineMs: number): Promise<T> {
  const deadline = Date.now() + deadlineMs;
  for (let pause = 10; ; pause = Math.min(pause * 2, 250)) {
    try {
      return work();
    } catch (error) {
      if (!isBusy(error)) throw error;
      if (Date.now() + pause > deadline) throw new DatabaseBusyError(path, { cause: error });
      await sleep(pause);
    }
  }
}
