import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's temporary folder: every test's own temporary folders are made inside it, and it is removed when the run ends. */
    tempRoot: string;
  }
}

/**
 * Makes the run's temporary folder, and what removes it. Readable by other users, as the system's
 * own is: a PostgreSQL server a test starts runs as its own user, in a folder made inside it.
 */
export function makeTempRoot(): { root: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'paperboy-tests-'));
  chmodSync(root, 0o755);
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) };
}

/**
 * The temporary folder of the run, for what a test worker keeps from one test file to the next (the
 * sample project, the built site): the folders of one file are removed after it.
 */
export function runTemp(): string {
  return inject('tempRoot');
}

/**
 * Points `tmpdir()` (TMPDIR, which the processes a test starts inherit) at a folder of this test file's
 * own, inside the run's, and removes that folder after the file, once its own hooks stopped what they started.
 */
export function tempPerFile(): string {
  const dir = mkdtempSync(join(runTemp(), 'file-'));
  chmodSync(dir, 0o755);
  process.env.TMPDIR = dir;
  return dir;
}

/** Removes a test file's temporary folder, and points `tmpdir()` back at the run's. */
export function removeFileTemp(dir: string): void {
  process.env.TMPDIR = runTemp();
  rmSync(dir, { recursive: true, force: true });
}
