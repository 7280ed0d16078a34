import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from './_write.ts';

/** What the last build rendered from: one key per issue, and one per site-wide output (pages, each feed). */
export interface Manifest {
  issues: Record<string, string>;
  outputs: Record<string, string>;
}

const NAME = '.build-manifest.json';

/** A short, stable hash of some strings. */
export function keyOf(...parts: string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex').slice(0, 32);
}

/** The manifest under `outDir`, or an empty one. */
export async function readManifest(outDir: string): Promise<Manifest> {
  try {
    const parsed = JSON.parse(await readFile(join(outDir, NAME), 'utf8')) as Partial<Manifest>;
    return { issues: parsed.issues ?? {}, outputs: parsed.outputs ?? {} };
  } catch {
    return { issues: {}, outputs: {} };
  }
}

/** Saves the manifest, last, once every file it describes is written. */
export function writeManifest(outDir: string, manifest: Manifest): void {
  writeFileAtomic(join(outDir, NAME), `${JSON.stringify(manifest, null, 2)}\n`);
}
