import { existsSync } from 'node:fs';
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
} from '../render/index.ts';
import { keyOf, type Manifest } from './_manifest.ts';
import { renderSitePages, sitePagesInput, SITE_PAGE_FILES } from './_pages.ts';
import { pruneFolder } from './_prune.ts';
import { closeIndexer, indexShard, planSearchShards, searchShard, SEARCH_DIR, type ShardPlan } from './_search.ts';
import { topicPagePath, topicPageViews, topicsByName } from './_topics.ts';
import type { Writer } from './_write.ts';

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
  /** Whether the output `name` was last made from `key` and its files are there. */
  fresh: (name: string, key: string, paths: string[]) => Promise<boolean>;
}

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
  }
  for (const topic of topics) {
    const key = keyOf(w.siteKey, JSON.stringify(topic), ...datesKey(topic.papers.map((x) => x.date)));
    if (await w.fresh(`topics/${topic.slug}`, key, [topicPagePath(topic.slug, 1)])) continue;
    for (const view of topicPageViews(topic, w.viewOf, w.site))
      w.out.put(topicPagePath(topic.slug, view.page), renderTopicPage(view, w.templates));
    w.manifest.outputs[`topics/${topic.slug}`] = key;
  }
  for (const plan of planFeeds(w.digests, byTopic)) {
    const key = keyOf(w.siteKey, JSON.stringify(plan), ...plan.dates.map((d) => w.hashOf.get(d) ?? ''));
    if (await w.fresh(plan.base, key, Object.values(feedPaths(plan.base)))) continue;
    for (const [path, content] of renderFeed(plan, w.viewOf, w.site, w.templates, w.hub)) w.out.put(path, content);
    w.manifest.outputs[plan.base] = key;
  }
}

const CONTENT_NAMED = /^(?:fragment|index|filter)\/|\.pf_meta$/;

/** A search index being built: `finish` waits for it and hands its files to the writer; `stop` ends the indexer, on every path. */
export interface SearchIndexing {
  finish(): Promise<void>;
  stop(): Promise<void>;
  /** After the writer is done: removes the index files the new indexes no longer name. */
  prune(): void;
  /** The years being indexed again. */
  years: string[];
}

/**
 * Starts indexing, in the indexer's own process, the years whose papers changed (none when `enabled`
 * is false), so that it runs while this process renders the rest.
 */
export async function startSearchIndex(w: SiteWide, enabled: boolean, outDir: string): Promise<SearchIndexing> {
  // A year's index is keyed by what its records are made of (each issue's digest, and which of its
  // papers are new), so that a build finds it fresh without making its records.
  const plans = enabled ? planSearchShards(w.digests) : [];
  const shards = plans.map((plan) => ({
    plan,
    year: plan.year,
    key: keyOf(w.siteKey, JSON.stringify(plan.issues.map((i) => [i.digest.date, w.hashOf.get(i.digest.date) ?? '', i.places]))),
  }));
  const stale: { plan: ShardPlan; year: string; key: string }[] = [];
  for (const shard of shards)
    if (!(await w.fresh(`search/${shard.year}`, shard.key, [`${SEARCH_DIR}/${shard.year}/pagefind-entry.json`]))) stale.push(shard);
  const shardsIndexed = stale.map(async (shard) => ({ shard, files: await indexShard(searchShard(shard.plan, w.viewOf), w.site) }));
  const indexing = Promise.all(shardsIndexed);
  indexing.catch(() => undefined);
  let indexed: Awaited<typeof indexing> = [];
  return {
    async finish() {
      indexed = await indexing;
      for (const { shard, files } of indexed) {
        for (const [path, content] of files) {
          const target = `${SEARCH_DIR}/${shard.year}/${path}`;
          // Pagefind names its chunks after their content: one already there holds these bytes.
          if (CONTENT_NAMED.test(path) && existsSync(join(outDir, target))) continue;
          w.out.put(target, content);
        }
        w.manifest.outputs[`search/${shard.year}`] = shard.key;
      }
      const indexes = shards.map((s) => `${SEARCH_DIR}/${s.year}/`).reverse();
      const key = keyOf(w.siteKey, JSON.stringify(indexes));
      if (await w.fresh('search', key, ['search.html'])) return;
      w.out.put('search.html', renderSearchPage(w.site, siteUrls(w.site).feeds, indexes, w.templates));
      w.manifest.outputs.search = key;
    },
    async stop() {
      if (stale.length === 0) return;
      // A shard still being indexed (the build or another shard failed first) would start the
      // indexer again to delete its index once the indexer is closed: each is let finish first.
      await Promise.allSettled(shardsIndexed);
      await closeIndexer();
    },
    years: stale.map((s) => s.year),
    prune() {
      for (const { shard, files } of indexed) pruneFolder(join(outDir, SEARCH_DIR, shard.year), new Set(files.map(([path]) => path)));
    },
  };
}
