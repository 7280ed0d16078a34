import type { Digest } from '../digest/index.ts';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PaperboyError } from '../errors.ts';
import { writeError } from '../files.ts';
import { listTree, pruneFolder } from './_prune.ts';
import { plainText, type IssueView, type Site } from '../render/index.ts';

/** One paper as the search index takes it: where it is, its words, what a result shows. */
export interface SearchRecord {
  url: string;
  content: string;
  meta: Record<string, string>;
}

/**
 * The papers of one month, indexed together: a build indexes again only the months that changed (a
 * new day, its month). Pagefind cannot add to an index, and a month is small enough to index again
 * in a fraction of a second, and few enough for the browser to merge.
 */
export interface SearchShard {
  month: string;
  records: SearchRecord[];
}

/** The folder of the search index under out/. */
export const SEARCH_DIR = 'pagefind';

// Files of a Pagefind bundle that the site's own search page uses; the bundled UIs are left out.
const KEPT =
  /^(?:pagefind\.js|pagefind-worker\.js|pagefind-entry\.json|wasm\.(?!unknown\.)[\w-]+\.pagefind|pagefind\.[\w-]+\.pf_meta|(?:index|fragment|filter)\/[\w-]+\.pf_\w+)$/;

/** The papers of one month a search index takes: each digest's papers that no earlier digest carried, by place. */
export interface ShardPlan {
  month: string;
  issues: { digest: Digest; places: number[] }[];
}

/**
 * Every paper once (in the issue that first carried it, as the feeds do), by month: cheap enough to
 * key each month's index without building a view or a record.
 */
export function planSearchShards(digests: readonly Digest[]): ShardPlan[] {
  const seen = new Set<string>();
  const shards = new Map<string, ShardPlan>();
  for (const digest of digests) {
    const places: number[] = [];
    for (const [i, paper] of digest.papers.entries()) {
      if (seen.has(paper.arxivId)) continue;
      seen.add(paper.arxivId);
      places.push(i);
    }
    if (places.length === 0) continue;
    const month = digest.date.slice(0, 7);
    let shard = shards.get(month);
    if (!shard) shards.set(month, (shard = { month, issues: [] }));
    shard.issues.push({ digest, places });
  }
  return [...shards.values()];
}

/** A month's search records. A record's URL is its place on its issue page, relative to the site's root. */
export function searchShard(plan: ShardPlan, viewOf: (date: string) => IssueView): SearchShard {
  const records: SearchRecord[] = [];
  for (const { digest, places } of plan.issues) {
    const view = viewOf(digest.date);
    // The view lists the digest's papers in the digest's order.
    for (const i of places) {
      const paper = digest.papers[i];
      const shown = view.papers[i];
      if (!paper || !shown) continue;
      const topics = shown.tags.map((t) => t.name).join(', ');
      records.push({
        url: `issues/${digest.date}.html#${shown.anchor}`,
        content: [shown.titleText, shown.authorsText, plainText(paper.summary), topics, `arXiv ${paper.arxivId}`]
          .filter(Boolean)
          .join('\n'),
        meta: {
          title: shown.titleText,
          issue: view.displayDate,
          date: digest.date,
          authors: shown.authorsText,
          topics,
          arxiv: paper.arxivId,
        },
      });
    }
  }
  return { month: plan.month, records };
}

/** Indexes a shard's records into `staging`, a folder Pagefind writes the whole index into. */
export async function indexShard(shard: SearchShard, site: Site, staging: string): Promise<void> {
  // Loaded on first use: most commands never index.
  const pagefind = await import('pagefind');
  const created = await pagefind.createIndex({ forceLanguage: site.language });
  const index = created.index;
  if (!index) throw new PaperboyError(`search index: Pagefind could not start: ${created.errors.join('; ')}`);
  try {
    const added = await Promise.all(shard.records.map((r) => index.addCustomRecord({ ...r, language: site.language })));
    const failed = added.flatMap((a) => a.errors);
    if (failed.length > 0) throw new PaperboyError(`search index ${shard.month}: ${failed[0]}`);
    // Pagefind writes the files itself: handing them over would pass megabytes through its pipe,
    // which waits whenever this process is busy rendering.
    const { errors } = await index.writeFiles({ outputPath: staging });
    if (errors.length > 0) throw new PaperboyError(`search index ${shard.month}: ${errors[0]}`);
  } finally {
    await index.deleteIndex();
  }
}

const CONTENT_NAMED = /^(?:fragment|index|filter)\/|\.pf_meta$/;

/**
 * Moves the index Pagefind wrote into `staging` to `target`, the files the site's search uses only:
 * chunks first, then what names them, so a reader never finds an entry pointing at a missing chunk.
 * A file already there with these bytes stays (its mtime and ETag hold; Pagefind names its chunks
 * after their content); files the new index no longer names go once it is in place. Returns the
 * paths (under `target`) it moved.
 */
export function placeShard(staging: string, target: string): string[] {
  const rank = (path: string) => (path.includes('/') ? 0 : path.endsWith('.pf_meta') || path.startsWith('wasm.') ? 1 : 2);
  const files = listTree(staging)
    .filter((path) => KEPT.test(path))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  const moved: string[] = [];
  try {
    for (const path of files) {
      const from = join(staging, path);
      const to = join(target, path);
      if (existsSync(to) && (CONTENT_NAMED.test(path) || readFileSync(to).equals(readFileSync(from)))) continue;
      mkdirSync(dirname(to), { recursive: true });
      renameSync(from, to);
      moved.push(path);
    }
  } catch (error) {
    throw writeError(target, error);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  pruneFolder(target, new Set(files));
  return moved;
}

/** Stops the indexer's process, which would otherwise keep the program alive. */
export async function closeIndexer(): Promise<void> {
  const pagefind = await import('pagefind');
  await pagefind.close();
}
