import { stat } from 'node:fs/promises';
import { listDigestEntries, type SkippedPath } from './find.ts';
import { readDigestFile } from './load.ts';
import type { DigestReading } from './parse.ts';
import { folderInference } from './topics.ts';

/** One digest file as last read: what the reader made of it. */
export interface LibraryEntry {
  path: string;
  reading: DigestReading;
}

/** The digests folder, each file read again only when it changed since the last look. */
export interface DigestLibrary {
  readonly dir: string;
  /** Every digest file under the folder, in path order, broken ones included (with their errors); untagged papers get inferred topics. */
  readAll(): Promise<LibraryEntry[]>;
  /** The paths named like digests that the last `readAll` skipped, and why. */
  skipped(): readonly SkippedPath[];
  /** How many files under the folder are named like digests: a listing, nothing is read. */
  count(): Promise<number>;
}

/**
 * A library over `dir`: the one cache of parsed digests that the builder and the web share. From
 * `inferOnThreadFrom` papers to infer on (1,000 unless told), the oldest months are inferred on a
 * thread of their own.
 */
export function createLibrary(dir: string, inferOnThreadFrom?: number): DigestLibrary {
  const cache = new Map<string, { mtimeMs: number; size: number; reading: DigestReading }>();
  const inferTopics = folderInference<LibraryEntry>(inferOnThreadFrom);
  async function read(path: string): Promise<LibraryEntry> {
    const info = await stat(path);
    const hit = cache.get(path);
    if (hit && hit.mtimeMs === info.mtimeMs && hit.size === info.size) return { path, reading: hit.reading };
    const reading = await readDigestFile(path);
    cache.set(path, { mtimeMs: info.mtimeMs, size: info.size, reading });
    return { path, reading };
  }
  let skipped: readonly SkippedPath[] = [];
  return {
    dir,
    async readAll() {
      const listed = await listDigestEntries(dir);
      skipped = listed.skipped;
      const present = new Set(listed.files);
      for (const path of cache.keys()) if (!present.has(path)) cache.delete(path);
      return await inferTopics(await Promise.all(listed.files.map(read)));
    },
    skipped: () => skipped,
    count: async () => (await listDigestEntries(dir)).files.length,
  };
}
