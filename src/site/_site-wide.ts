import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Digest } from '../digest/index.ts';
import {
  feedPaths,
  papersByTopic,
  planFeeds,
  renderFeed,
  renderSearchPage,
  renderTopicPage,
  siteUrls,
  type IssueView,
  type Site,
  type Templates,
  type TopicPapers,
} from '../render/index.ts';
import { keyOf, type Manifest } from './_manifest.ts';
import { renderSitePages, sitePagesInput, SITE_PAGE_FILES } from './_pages.ts';
import { listFiles, listFolders, pruneFolder } from './_prune.ts';
import { indexShard, nextFold, planSearchShards, searchShard, SEARCH_DIR, type ShardPlan } from './_search.ts';
import { topicPagePath, topicPages, topicPageView, topicsByName } from './_topics.ts';
import { createThreadedWriter, type Writer } from './_write.ts';

/** What a build's site-wide outputs are made from, and where they go. */
export interface SiteWide {
  digests: readonly Digest[];
  hashOf: ReadonlyMap<string, string>;
  /** What every output depends on: the site, the hub, the templates. */
  siteKey: string;
  templates: Templates;
  site: Site;
  hub: string | undefined;
  viewOf: (date: string) => IssueView;
  manifest: Manifest;
  out: Writer;
  outDir: string;
  /** How many issues each site feed carried in full the last time (kept between builds). */
  feedCuts: Map<string, number>;
  /** Removes a file under out/ once every file of the build is written. */
  removeAfter: (path: string) => void;
  /** Whether the output `name` was last made from `key` and its files are there. */
  fresh: (name: string, key: string, paths: string[]) => Promise<boolean>;
  /** In a builder that stays up: what it does ahead of the builds and after them (see foreseeFolds). */
  ahead: Ahead | undefined;
}

type IndexFiles = Awaited<ReturnType<typeof indexShard>>;

/** A search index made ahead of the build that needs it. */
interface Foreseen {
  period: string;
  files: Promise<IndexFiles>;
  /** Set once its files are in its folder, whole. */
  written?: true;
}

/** What a builder that stays up does besides its builds, kept between them. */
export interface Ahead {
  /** Search indexes made ahead of the build that needs them, by key: a build takes the one it needs. */
  foreseen: Map<string, Foreseen>;
  /** Removes a folder under out/ once the build has answered (an index folded into a larger one). */
  removeLater(path: string): void;
}

/**
 * Lets the event loop run between two pieces of rendering: the search indexer, in a process of its
 * own, is fed its records and answered through pipes that only a free event loop serves.
 */
export const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The home page, archives, topic pages, sitemap and feeds, each rendered only when what it shows changed. */
export async function renderSiteWide(w: SiteWide): Promise<void> {
  const datesKey = (dates: Iterable<string>) => [...new Set(dates)].map((d) => w.hashOf.get(d) ?? '');
  const byTopic = papersByTopic(w.digests);
  const topics = topicsByName(byTopic);
  const pages = sitePagesInput(w.digests, topics, w.viewOf, w.site);
  const pagesKey = keyOf(w.siteKey, JSON.stringify(pages.summary), ...datesKey(pages.latest ? [pages.latest] : []));
  if (!(await w.fresh('pages', pagesKey, SITE_PAGE_FILES))) {
    renderSitePages(pages, w.site, w.templates, w.out);
    w.manifest.outputs.pages = pagesKey;
    await breathe();
  }
  await renderTopicPages(w, topics, datesKey);
  for (const plan of planFeeds(w.digests, byTopic)) {
    const key = keyOf(w.siteKey, JSON.stringify(plan), ...plan.dates.map((d) => w.hashOf.get(d) ?? ''));
    if (await w.fresh(plan.base, key, Object.values(feedPaths(plan.base)))) continue;
    for (const [path, content] of renderFeed(plan, w.viewOf, w.site, w.templates, w.hub, w.feedCuts)) w.out.put(path, content);
    w.manifest.outputs[plan.base] = key;
    await breathe();
  }
}

const TOPIC_PAGES = 'topic-pages/';

// Each page of each topic, rendered when what it shows changed: an archived page keeps its papers
// as the topic grows, so a new day renders the front pages of its topics and seldom anything more.
// Pages that are no longer made (a topic gone, or fewer pages) are removed, with their keys.
async function renderTopicPages(w: SiteWide, topics: readonly TopicPapers[], datesKey: (dates: Iterable<string>) => string[]) {
  const made = new Set<string>();
  for (const topic of topics) {
    for (const plan of topicPages(topic)) {
      const path = topicPagePath(topic.slug, plan.page);
      const name = `${TOPIC_PAGES}${path}`;
      made.add(name);
      // The front page shows the topic's count and links to the newest archived page; an archived page, whether it is the newest.
      const shape = plan.page === undefined ? [topic.papers.length, plan.archived] : [plan.page === plan.archived];
      const key = keyOf(w.siteKey, topic.name, JSON.stringify([shape, plan.papers]), ...datesKey(plan.papers.map((x) => x.date)));
      if (await w.fresh(name, key, [path])) continue;
      w.out.put(path, renderTopicPage(topicPageView(topic, plan, w.viewOf, w.site), w.templates));
      w.manifest.outputs[name] = key;
      await breathe();
    }
  }
  for (const name of Object.keys(w.manifest.outputs)) {
    // An earlier layout kept a topic's pages, counted from the newest, under one key: its pages go
    // but for those this layout makes again.
    if (/^topics\/[^/]+$/.test(name)) {
      for (const file of listFiles(join(w.outDir, name))) if (!made.has(`${TOPIC_PAGES}${name}/${file}`)) w.removeAfter(`${name}/${file}`);
    } else if (!name.startsWith(TOPIC_PAGES) || made.has(name)) continue;
    else w.removeAfter(name.slice(TOPIC_PAGES.length));
    delete w.manifest.outputs[name];
  }
}

const CONTENT_NAMED = /^(?:fragment|index|filter)\/|\.pf_meta$/;

/** A search index being built: `finish` waits for it and hands its files to the writer; `stop` ends the indexer, on every path. */
export interface SearchIndexing {
  finish(): Promise<void>;
  stop(): Promise<void>;
  /** After the writer is done: removes the index files the new indexes no longer name, and the indexes of periods that are no longer made. */
  prune(): void;
  /** The periods being indexed again. */
  periods: string[];
}

/**
 * Starts indexing, in the indexer's own process, the periods whose papers changed (none when `enabled`
 * is false), so that it runs while this process renders the rest.
 */
export async function startSearchIndex(w: SiteWide, enabled: boolean, outDir: string): Promise<SearchIndexing> {
  // A period's index is keyed by what its records are made of (each issue's digest, and which of its
  // papers are new), so that a build finds it fresh without making its records.
  const shards = enabled ? keyedShards(w, planSearchShards(w.digests)) : [];
  const stale: { plan: ShardPlan; period: string; key: string }[] = [];
  for (const shard of shards)
    if (!(await w.fresh(`search/${shard.period}`, shard.key, [`${SEARCH_DIR}/${shard.period}/pagefind-entry.json`]))) stale.push(shard);
  // The largest periods first: the indexer answers them while it takes the smaller ones, and each
  // index's files go to the writer as soon as it is made, not after the last one.
  const bySize = (shard: (typeof stale)[number]) => shard.plan.issues.reduce((sum, issue) => sum + issue.places.length, 0);
  const shardsIndexed = [...stale]
    .sort((a, b) => bySize(b) - bySize(a))
    .map(async (shard) => {
      const foreseen = w.ahead?.foreseen.get(shard.key);
      w.ahead?.foreseen.delete(shard.key);
      const made = () => indexShard(searchShard(shard.plan, w.viewOf), w.site);
      const files = await (foreseen ? foreseen.files.catch(made) : made());
      putIndex(w, shard, files, foreseen?.written ? listedChunks(outDir, shard.period) : undefined);
      return { shard, files };
    });
  const indexing = Promise.all(shardsIndexed);
  indexing.catch(() => undefined);
  let indexed: Awaited<typeof indexing> = [];
  return {
    async finish() {
      indexed = await indexing;
      const indexes = shards.map((s) => `${SEARCH_DIR}/${s.period}/`).reverse();
      const key = keyOf(w.siteKey, JSON.stringify(indexes));
      if (await w.fresh('search', key, ['search.html'])) return;
      w.out.put('search.html', renderSearchPage(w.site, siteUrls(w.site).feeds, indexes, w.templates));
      w.manifest.outputs.search = key;
    },
    async stop() {
      // A shard still being indexed (the build or another shard failed first) is let finish: the
      // indexer's process stays up for the next build (it does not keep the program alive).
      await Promise.allSettled(shardsIndexed);
    },
    periods: stale.map((s) => s.period),
    prune() {
      for (const { shard, files } of indexed) pruneFolder(join(outDir, SEARCH_DIR, shard.period), new Set(files.map(([path]) => path)));
      if (!enabled) return;
      // Indexes of periods no longer made (half-months folded into their quarter, quarters into their
      // year, a period left without papers) go.
      // Those made ahead for a coming day stay.
      const current = new Set(shards.map((s) => s.period));
      for (const { period } of w.ahead?.foreseen.values() ?? []) current.add(period);
      for (const name of listFolders(join(outDir, SEARCH_DIR))) {
        if (current.has(name)) continue;
        if (w.ahead) w.ahead.removeLater(join(SEARCH_DIR, name));
        else rmSync(join(outDir, SEARCH_DIR, name), { recursive: true, force: true });
        delete w.manifest.outputs[`search/${name}`];
      }
    },
  };
}

// A period's index files to the writer, and its key to the manifest.
function putIndex(w: Pick<SiteWide, 'out' | 'manifest'>, shard: { period: string; key: string }, files: IndexFiles, there?: Listed) {
  putIndexFiles(w.out, shard.period, files, there);
  w.manifest.outputs[`search/${shard.period}`] = shard.key;
}

// Pagefind names its chunks after their content: they are written in place (no reader reaches one
// before the index that names it, written after it), and one already there whole holds these bytes.
// `there` tells those known whole (an index this process wrote ahead): they are not handed over.
function putIndexFiles(out: Writer, period: string, files: IndexFiles, there?: Listed) {
  for (const [path, content] of files) {
    const target = `${SEARCH_DIR}/${period}/${path}`;
    if (!CONTENT_NAMED.test(path)) out.put(target, content);
    else if (!there?.(path)) out.putChunk(target, content);
  }
}

type Listed = (path: string) => boolean;

// Which files of a period's folder are there, by one listing of each of its folders: for an index
// this process wrote whole ahead of the build (a chunk that is there is whole; one removed since is
// not there), where a check of each chunk's size costs thousands of calls.
function listedChunks(outDir: string, period: string): Listed {
  const listed = new Map<string, Set<string>>();
  return (path) => {
    const slash = path.lastIndexOf('/');
    const folder = path.slice(0, Math.max(slash, 0));
    let names = listed.get(folder);
    if (!names) listed.set(folder, (names = new Set(listFiles(join(outDir, SEARCH_DIR, period, folder)))));
    return names.has(path.slice(slash + 1));
  };
}

// Each period's index keyed by what its records are made of (each issue's digest, and which of its
// papers are new), so that a build finds it fresh without making its records.
function keyedShards(w: Pick<SiteWide, 'siteKey' | 'hashOf'>, plans: ShardPlan[]) {
  return plans.map((plan) => ({
    plan,
    period: plan.period,
    key: keyOf(w.siteKey, JSON.stringify(plan.issues.map((i) => [i.digest.date, w.hashOf.get(i.digest.date) ?? '', i.places]))),
  }));
}

/**
 * In a quarter's last month, makes the indexes that the next quarter's first day folds (the quarter's
 * half-months into one, or the year's quarters into one), as they would be made from the digests there
 * are now, and writes them in their folders, which no page names yet: that day's build finds them
 * made, or being made, when nothing in the period changed since, and has only the files that name
 * the chunks to write. What was foreseen before and is no longer needed is dropped.
 */
export function foreseeFolds(
  w: Pick<SiteWide, 'digests' | 'siteKey' | 'hashOf' | 'viewOf' | 'site' | 'outDir'>,
  ahead: Ahead,
): Promise<unknown> {
  const newest = w.digests.at(-1)?.date;
  const fold = newest === undefined ? undefined : nextFold(newest);
  const now = new Set(fold === undefined ? [] : planSearchShards(w.digests).map((plan) => plan.period));
  const folded = fold === undefined ? [] : keyedShards(w, planSearchShards(w.digests, fold)).filter((shard) => !now.has(shard.period));
  const wanted = new Set(folded.map((shard) => shard.key));
  for (const key of ahead.foreseen.keys()) if (!wanted.has(key)) ahead.foreseen.delete(key);
  const writing: Promise<unknown>[] = [];
  for (const shard of folded) {
    if (ahead.foreseen.has(shard.key)) continue;
    const files = indexShard(searchShard(shard.plan, w.viewOf), w.site);
    const foreseen: Foreseen = { period: shard.period, files };
    ahead.foreseen.set(shard.key, foreseen);
    writing.push(
      files.then(
        async (made) => {
          await writeAhead(w.outDir, shard.period, made);
          foreseen.written = true;
        },
        // A failure is the build's to report, when it needs the index and makes it again.
        () => ahead.foreseen.delete(shard.key),
      ),
    );
  }
  return Promise.allSettled(writing);
}

// An index's files in its folder, on a thread of their own: chunks named after their content that
// are there already hold these bytes.
async function writeAhead(outDir: string, period: string, files: IndexFiles): Promise<void> {
  const out = createThreadedWriter(outDir);
  try {
    putIndexFiles(out, period, files);
    await out.done();
  } finally {
    await out.abort();
  }
}
