import { readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { threadId } from 'node:worker_threads';
import { PaperboyError } from './errors.ts';

/** Whether a process with this id is running on this machine. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

/** The system's code for an error (`ENOENT`, `EACCES`, …), if it has one. */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** What a full disk is told as: what to do, and that nothing was left half-written (every write is whole or not at all). */
export const DISK_FULL = 'the disk is full; free some space and run it again (nothing was half-written)';

/** Whether an error is the disk (or the database on it) being full. */
export function isDiskFull(error: unknown): boolean {
  const code = errorCode(error) ?? '';
  return code === 'ENOSPC' || code === 'EDQUOT' || code.startsWith('SQLITE_FULL');
}

/**
 * Why a path could not be used, in a few words: `no such folder`, `not a folder`, `is a folder, not
 * a digest`, `not readable by this user`, `the disk is full; …`; else the system's own message.
 * `expected` names what the path should be (a file, a folder, a digest); `access` what was tried.
 */
export function fileProblem(error: unknown, expected = 'file', access: 'readable' | 'writable' = 'readable'): string {
  if (isDiskFull(error)) return DISK_FULL;
  switch (errorCode(error)) {
    case 'ENOENT':
      return `no such ${expected}`;
    case 'ENOTDIR':
      return expected.startsWith('folder') ? 'not a folder' : `no such ${expected}`;
    case 'EISDIR':
      return `is a folder, not a ${expected}`;
    case 'EACCES':
    case 'EPERM':
      return `not ${access} by this user`;
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/** An error writing `path`, said in one line: a full disk, a missing folder, a refusal are named as such. */
export function writeError(path: string, error: unknown): PaperboyError {
  // A file written anew is missing nothing but its folder.
  const reason = errorCode(error) === 'ENOENT' ? `no such folder: ${dirname(path)}` : fileProblem(error, 'file', 'writable');
  return new PaperboyError(`${path}: cannot write: ${reason}`, { cause: error });
}

/**
 * Writes a file so that a reader sees the old bytes or the new, never half: a temporary file beside
 * it (which `removeLeftovers` finds if this process dies first), then a rename. A failure is one line
 * naming the file (as `shownAs` when the user gave it otherwise).
 */
export async function writeAtomically(
  path: string,
  content: string | Uint8Array,
  options: { mode?: number; shownAs?: string } = {},
): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, content, options.mode === undefined ? {} : { mode: options.mode });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw writeError(options.shownAs ?? path, error);
  }
}

/** The names in a folder about to be cleaned: none when it does not exist; one line when it cannot be read. */
export async function namesToClean(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return [];
    throw writeError(dir, error);
  }
}

// Temporary files are named `<file>.<pid>[-<hex>].tmp` by the process that writes them.
const TEMPORARY = /\.(\d+)(?:-[0-9a-f]+)?\.tmp$/;

const THREAD = threadId.toString(16).padStart(4, '0');
let temporaries = 0;

/** A temporary file's path beside `path`, unique to this process, thread and write, as `removeLeftovers` knows them. */
export function temporaryPath(path: string): string {
  return `${path}.${process.pid}-${THREAD}${(++temporaries).toString(16).padStart(8, '0')}.tmp`;
}

/**
 * Removes the temporary files under `dir` that a process which is gone left behind (it was killed
 * between writing and renaming). Says how many it removed. A symbolic link is never followed: what
 * it points to is not this folder's.
 */
export async function removeLeftovers(dir: string): Promise<number> {
  // Listed as entries: a recursive listing of bare names would walk into linked folders, round a loop too.
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  let removed = 0;
  for (const entry of entries) {
    const pid = TEMPORARY.exec(entry.name)?.[1];
    if (!entry.isFile() || pid === undefined || Number(pid) === process.pid || processAlive(Number(pid))) continue;
    await rm(join(entry.parentPath, entry.name), { force: true });
    removed++;
  }
  return removed;
}
