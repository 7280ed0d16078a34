import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project's root folder. */
export const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A file under `tests/fixtures/`. */
export function fixture(...parts: string[]): string {
  return join(root, 'tests', 'fixtures', ...parts);
}

/** The real archives shipped beside the project, when they are there. */
export const corpusDir = join(root, '..', 'shared', 'corpus');
export const hasCorpus = existsSync(join(corpusDir, 'digests'));
