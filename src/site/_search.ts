import type { Digest } from '../digest/index.ts';
import { plainText, type IssueView, type Site } from '../render/index.ts';
import { closeIndexThreads, indexRecords, warmIndexThreads, type SearchRecord } from './_index-thread.ts';

/**
 * The papers of one period, indexed together: a build indexes again only the periods that changed
 * (a new day, its half-month). Pagefind cannot add to an index, so the newest papers are indexed by
 * half-month, small enough to index again in a fraction of a second (Pagefind takes about 1.5 ms a
 * paper: a whole month, up to 0.8 s); older ones by quarter, and by year before the newest digest's
 * year, so that the browser has few indexes to merge.
 */
export interface SearchShard {
  /**
   * `YYYY-MM-01` or `YYYY-MM-16` (a half-month of the newest digest's quarter, named by its first
   * day), `YYYY-qN` (an earlier quarter of its year) or `YYYY`.
   */
  period: string;
  records: SearchRecord[];
}

/** The folder of the search index under out/. */
export const SEARCH_DIR = 'pagefind';

// Files of a Pagefind bundle that the site's own search page uses; the bundled UIs are left out.
const KEPT =
  /^(?:pagefind\.js|pagefind-worker\.js|pagefind-entry\.json|wasm\.(?!unknown\.)[\w-]+\.pagefind|pagefind\.[\w-]+\.pf_meta|(?:index|fragment|filter)\/[\w-]+\.pf_\w+)$/;

/** The papers of one period a search index takes: each digest's papers that no earlier digest carried, by place. */
export interface ShardPlan {
  period: string;
  issues: { digest: Digest; places: number[] }[];
}

/**
 * Every paper once (in the issue that first carried it, as the feeds do), by period: cheap enough to
 * key each period's index without building a view or a record.
 */
export function planSearchShards(digests: readonly Digest[], newest = newestDate(digests)): ShardPlan[] {
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
    const period = periodOf(digest.date, newest);
    let shard = shards.get(period);
    if (!shard) shards.set(period, (shard = { period, issues: [] }));
    shard.issues.push({ digest, places });
  }
  return [...shards.values()];
}

function newestDate(digests: readonly Digest[]): string {
  let newest = '';
  for (const { date } of digests) if (date > newest) newest = date;
  return newest;
}

/**
 * The first day of the quarter after `newest`'s, when `newest` is in the last month of its quarter:
 * a day then may be the last before the next quarter's first, which folds indexes (see periodOf).
 */
export function nextFold(newest: string): string | undefined {
  const month = Number(newest.slice(5, 7));
  if (month % 3 !== 0) return undefined;
  return month === 12 ? `${Number(newest.slice(0, 4)) + 1}-01-01` : `${newest.slice(0, 4)}-${String(month + 1).padStart(2, '0')}-01`;
}

/**
 * The index a day's papers go in, given the newest digest's date: its half-month in the newest
 * digest's quarter (days 1 to 15, 16 to the end), its quarter earlier in that year, its year
 * before. A new day re-indexes its half-month; the first day of a quarter also folds the last
 * quarter's half-months into one index, and the first day of a year the last year's quarters.
 */
export function periodOf(date: string, newest: string): string {
  const year = date.slice(0, 4);
  if (year < newest.slice(0, 4)) return year;
  const quarter = Math.ceil(Number(date.slice(5, 7)) / 3);
  if (quarter < Math.ceil(Number(newest.slice(5, 7)) / 3)) return `${year}-q${quarter}`;
  return `${date.slice(0, 7)}-${date.slice(8, 10) < '16' ? '01' : '16'}`;
}

/** A period's search records. A record's URL is its place on its issue page, relative to the site's root. */
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
  return { period: plan.period, records };
}

/** The files of a shard's index, by path under its folder, the ones an index points to coming first. */
export async function indexShard(shard: SearchShard, site: Site): Promise<[string, Uint8Array][]> {
  // Made on a thread of its own (see _index-worker.ts); the indexer's process starts on first use.
  indexerUsed = true;
  const files = await indexRecords(shard.period, site.language, shard.records);
  const kept = files.filter(([path]) => KEPT.test(path));
  // Chunks first, then what names them: a reader never finds an entry pointing at a missing chunk.
  const rank = (path: string) => (path.includes('/') ? 0 : path.endsWith('.pf_meta') || path.startsWith('wasm.') ? 1 : 2);
  return kept.sort((a, b) => rank(a[0]) - rank(b[0]) || a[0].localeCompare(b[0]));
}

let indexerUsed = false;

/** Starts the indexer, in two processes, ahead of a build of many periods: it loads while the build reads the digests. */
export function warmIndexer(): void {
  indexerUsed = true;
  warmIndexThreads(2);
}

/** Stops the indexer's process, when this one started it: it stays up between builds until then. */
export async function closeIndexer(): Promise<void> {
  if (!indexerUsed) return;
  indexerUsed = false;
  await closeIndexThreads();
}
