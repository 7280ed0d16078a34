import { stat } from 'node:fs/promises';
import { listDigestFiles, readDigestFile, type Digest } from '../digest/index.ts';
import { plainText } from '../render/_inline.ts';

/** What the dynamic pages show of the digests: the topics seen so far, and every issue. */
export interface SiteData {
  tags: string[];
  digests: Digest[];
}

/** Reads the digests folder, again only for files that changed since the last look. */
export function createSiteData(digestsDir: string): () => Promise<SiteData> {
  const cache = new Map<string, { mtimeMs: number; size: number; digest: Digest | undefined }>();
  return async () => {
    const paths = await listDigestFiles(digestsDir).catch(() => [] as string[]);
    const digests: Digest[] = [];
    for (const path of paths) {
      const info = await stat(path);
      let hit = cache.get(path);
      if (!hit || hit.mtimeMs !== info.mtimeMs || hit.size !== info.size) {
        const { digest, errors } = await readDigestFile(path);
        hit = { mtimeMs: info.mtimeMs, size: info.size, digest: errors.length === 0 ? digest : undefined };
        cache.set(path, hit);
      }
      if (hit.digest) digests.push(hit.digest);
    }
    digests.sort((a, b) => a.date.localeCompare(b.date));
    const tags = new Map<string, string>();
    for (const d of digests) for (const p of d.papers) for (const t of p.tags) if (!tags.has(t.toLowerCase())) tags.set(t.toLowerCase(), plainText(t));
    return { tags: [...tags.values()].sort((a, b) => a.localeCompare(b)), digests };
  };
}
