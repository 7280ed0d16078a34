import { readdirSync, rmSync, type Dirent } from 'node:fs';
import { join, relative } from 'node:path';

/** Every file under `dir`, as paths relative to it (with `/`). */
function listTree(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/'));
}

/** Removes every file under `dir` whose path (relative to it, with `/`) is not in `keep`. */
export function pruneFolder(dir: string, keep: ReadonlySet<string>): void {
  for (const path of listTree(dir)) if (!keep.has(path)) rmSync(join(dir, path), { force: true });
}

// The entries directly under `dir`; none when it is missing.
function entriesOf(dir: string): Dirent[] {
  try {
    return readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
}

/** The names of the folders directly under `dir`; none when it is missing. */
export function listFolders(dir: string): string[] {
  return entriesOf(dir)
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
}

/** The names of the files directly under `dir`; none when it is missing. */
export function listFiles(dir: string): string[] {
  return entriesOf(dir)
    .filter((e) => e.isFile())
    .map((e) => e.name);
}
