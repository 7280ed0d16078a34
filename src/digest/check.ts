import { join, relative, resolve } from 'node:path';
import { listDigestEntries, sameDay, sameDayMessage } from './find.ts';
import { readDigestFile } from './load.ts';
import type { Digest, Note } from './model.ts';
import { inferByMonth } from './topics.ts';

/** One checked file: the parse model with its path and errors. */
export interface CheckedDigest extends Digest {
  path: string;
  errors: Note[];
}

/**
 * Reads every digest under `dir` (relative to `cwd`); two files for one day are an error in both.
 * Paths are shown under `dir` as given. Untagged papers get topics inferred from the folder, as a build infers them.
 */
export async function checkDigests(dir: string, cwd = process.cwd()): Promise<CheckedDigest[]> {
  const absolute = resolve(cwd, dir);
  const checked: CheckedDigest[] = [];
  const { files, skipped } = await listDigestEntries(absolute);
  for (const file of files) {
    const shown = join(dir, relative(absolute, file));
    const { digest, errors } = await readDigestFile(file, shown);
    checked.push({ path: shown, ...digest, errors });
  }
  for (const { path, why } of skipped) {
    checked.push({ path: join(dir, relative(absolute, path)), date: '', papers: [], warnings: [{ line: 1, message: why }], errors: [] });
  }
  for (const [second, first] of sameDay(checked)) {
    second.errors.push({ line: 1, message: sameDayMessage(second.date, first.path) });
    first.errors.push({ line: 1, message: sameDayMessage(first.date, second.path) });
  }
  return inferByMonth(
    checked,
    checked.filter((c) => c.errors.length === 0),
  );
}
