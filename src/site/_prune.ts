import { readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Removes every file under `dir` whose path (relative to it, with `/`) is not in `keep`. */
export function pruneFolder(dir: string, keep: ReadonlySet<string>): void {
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = relative(dir, join(entry.parentPath, entry.name)).split('\\').join('/');
    if (!keep.has(path)) rmSync(join(entry.parentPath, entry.name), { force: true });
  }
}
