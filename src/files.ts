import { readdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PaperboyError } from './errors.ts';

/** Whether a process with this id is running on this machine. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** An error writing `path`, said in one line: a full disk, a missing folder, a refusal are named as such. */
export function writeError(path: string, error: unknown): PaperboyError {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new PaperboyError(`${path}: cannot write: the disk is full; free some space and run it again (nothing was half-written)`, { cause: error });
  }
  const reason = code === 'ENOENT' ? `no such folder: ${dirname(path)}` : code === 'EACCES' || code === 'EPERM' ? 'not writable by this user' : code === 'EISDIR' ? 'it is a folder' : (error as Error).message;
  return new PaperboyError(`${path}: cannot write: ${reason}`, { cause: error });
}

// Temporary files are named `<file>.<pid>[-<random>].tmp` by the process that writes them.
const TEMPORARY = /\.(\d+)(?:-[0-9a-f]+)?\.tmp$/;

/**
 * Removes the temporary files under `dir` that a process which is gone left behind (it was killed
 * between writing and renaming). Says how many it removed.
 */
export async function removeLeftovers(dir: string): Promise<number> {
  const names = (await readdir(dir, { recursive: true }).catch(() => [] as string[])) as string[];
  let removed = 0;
  for (const name of names) {
    const pid = TEMPORARY.exec(name)?.[1];
    if (pid === undefined || Number(pid) === process.pid || processAlive(Number(pid))) continue;
    await rm(join(dir, name), { force: true });
    removed++;
  }
  return removed;
}
