import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './_write.ts';

/** What the last build rendered from: one key per issue's pages, one per issue's email, and one per site-wide output (pages, each feed). */
export interface Manifest {
  issues: Record<string, string>;
  emails: Record<string, string>;
  outputs: Record<string, string>;
}

const NAME = '.build-manifest.json';

/** A short, stable hash of some strings. */
export function keyOf(...parts: string[]): string {
  // One update of the parts joined, each ended by a NUL: a key made of hundreds of parts costs one
  // call, not hundreds.
  return createHash('sha256')
    .update(`${parts.join('\0')}\0`)
    .digest('hex')
    .slice(0, 32);
}

/** The manifest under `outDir`, or an empty one. */
export async function readManifest(outDir: string): Promise<Manifest> {
  try {
    const parsed = JSON.parse(await readFile(join(outDir, NAME), 'utf8')) as Partial<Manifest>;
    return { issues: parsed.issues ?? {}, emails: parsed.emails ?? {}, outputs: parsed.outputs ?? {} };
  } catch {
    return { issues: {}, emails: {}, outputs: {} };
  }
}

const sorted = (record: Record<string, string>) =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/** Saves the manifest, last, once every file it describes is written; in key order, so that the same site gives the same bytes. */
export function writeManifest(outDir: string, manifest: Manifest): void {
  const { issues, emails, outputs } = manifest;
  writeFileAtomic(
    join(outDir, NAME),
    `${JSON.stringify({ issues: sorted(issues), emails: sorted(emails), outputs: sorted(outputs) }, null, 2)}\n`,
  );
}
