import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { PaperboyError } from '../errors.ts';
import { DISK_FULL } from '../files.ts';

/** The database file could not be used for a reason outside paperboy: a full disk, a read-only or failing file system, a damaged file. */
export class DatabaseFailure extends PaperboyError {
  override name = 'DatabaseFailure';
  /** SQLite's code for it (`SQLITE_FULL`, `SQLITE_IOERR_WRITE`, …). */
  readonly code: string;
  constructor(path: string, code: string, cause: string, options?: { cause?: unknown }) {
    super(`${path}: ${cause}`, options);
    this.code = code;
  }
}

const UNDONE = 'nothing was half-written';
const FULL = DISK_FULL;

// What each of SQLite's codes (or a family of extended codes) says about the file, in words.
const CAUSES: readonly [RegExp, string][] = [
  [/^SQLITE_FULL$/, FULL],
  [/^SQLITE_READONLY/, 'the database is read-only: this user may not write it, its folder or the file system it is on'],
  [/^SQLITE_IOERR/, `an I/O error: the disk or the file system failed (see the system log); ${UNDONE}`],
  [/^SQLITE_CANTOPEN/, 'cannot open the database file or its log: its folder is missing, or this user may not write there'],
  [/^SQLITE_(CORRUPT|NOTADB)/, 'the file is damaged, or is not a paperboy database'],
];

// Whether the file system holding `path` has no room left for this user.
function noRoomLeft(path: string): boolean {
  try {
    return statfsSync(dirname(path)).bavail === 0;
  } catch {
    return false;
  }
}

/**
 * The one-line error for SQLite's refusal to use the database at `path`, naming the file and the
 * cause; `undefined` for any other error. An I/O error on a file system with no room left is a full disk.
 */
export function databaseFailure(path: string, error: unknown): DatabaseFailure | undefined {
  if (error instanceof DatabaseFailure) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return undefined;
  const full = code === 'SQLITE_FULL' || (code.startsWith('SQLITE_IOERR') && noRoomLeft(path));
  const cause = full ? FULL : CAUSES.find(([pattern]) => pattern.test(code))?.[1];
  return cause === undefined ? undefined : new DatabaseFailure(path, code, `${cause} [${code}]`, { cause: error });
}
