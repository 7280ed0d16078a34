import type { Templates } from '../templates.ts';
import type { IssueView, Site } from '../view.ts';
import { renderAtom } from './atom.ts';
import { channelOf } from './channel.ts';
import { renderJsonFeed } from './json.ts';
import { feedPaths, type FeedPlan } from './plan.ts';
import { renderRss } from './rss.ts';

export { planFeeds, papersByTopic, feedPaths, type FeedPlan, type TopicPapers } from './plan.ts';
export { rssText } from './rss.ts';
export { renderOpml, type OpmlFeed } from './opml.ts';

/** Feed files by their path under `out/`. */
export type FeedFiles = Map<string, string>;

/**
 * Renders one channel in RSS 2.0, Atom 1.0 and JSON Feed 1.1. Ids come from issue dates and arXiv
 * ids, dates from the digests, so the same input gives the same bytes.
 */
export function renderFeed(plan: FeedPlan, viewOf: (date: string) => IssueView, site: Site, templates: Templates, hub?: string): FeedFiles {
  const { channel, entries } = channelOf(plan, viewOf, site, templates);
  const paths = feedPaths(plan.base);
  return new Map([
    [paths.rss, renderRss(site, channel, entries, hub)],
    [paths.atom, renderAtom(site, channel, entries, hub)],
    [paths.json, renderJsonFeed(site, channel, entries, hub)],
  ]);
}
