import { largestCut, lastFitFrom } from '../budget.ts';
import type { Templates } from '../templates.ts';
import type { IssueView, Site } from '../view.ts';
import { renderAtom } from './atom.ts';
import { channelOf } from './channel.ts';
import { renderJsonFeed } from './json.ts';
import { FEED_BYTES, feedPaths, type FeedPlan } from './plan.ts';
import { renderRss } from './rss.ts';

export { planFeeds, papersByTopic, feedPaths, FEED_BYTES, type FeedPlan, type TopicPapers } from './plan.ts';
export { rssText } from './rss.ts';
export { renderOpml, type OpmlFeed } from './opml.ts';

/** Feed files by their path under `out/`. */
export type FeedFiles = Map<string, string>;

/**
 * Renders one channel in RSS 2.0, Atom 1.0 and JSON Feed 1.1. Ids come from issue dates and arXiv
 * ids, dates from the digests, so the same input gives the same bytes. The current site feed
 * carries its newest issues in full as long as each format stays within FEED_BYTES (the newest one
 * always), and lists the older ones by their titles, as its archive documents do. `cuts` holds how
 * many issues each channel carried in full the last time: the search for the cut starts there (a
 * new day seldom moves it), and the cut it finds is kept in it.
 */
export function renderFeed(
  plan: FeedPlan,
  viewOf: (date: string) => IssueView,
  site: Site,
  templates: Templates,
  hub?: string,
  cuts?: Map<string, number>,
): FeedFiles {
  const paths = feedPaths(plan.base);
  const formats = [
    [paths.rss, renderRss],
    [paths.atom, renderAtom],
    [paths.json, renderJsonFeed],
  ] as const;
  // Each cut's channel is made once, each of its formats when first asked for: a cut that does not
  // fit is told by its first format over the budget.
  const made = new Map<number | undefined, { parts: ReturnType<typeof channelOf>; texts: string[] }>();
  const text = (full: number | undefined, format: 0 | 1 | 2): string => {
    let cut = made.get(full);
    if (!cut) made.set(full, (cut = { parts: channelOf(plan, viewOf, site, templates, full), texts: [] }));
    const [, render] = formats[format];
    return (cut.texts[format] ??= render(site, cut.parts.channel, cut.parts.entries, hub));
  };
  const files = (full?: number): FeedFiles => new Map(formats.map(([path], i) => [path, text(full, i as 0 | 1 | 2)]));
  if (plan.tag !== undefined || plan.history?.page !== undefined) return files();
  const count = plan.dates.length;
  const fits = (full: number) => ([0, 1, 2] as const).every((format) => Buffer.byteLength(text(full, format)) <= FEED_BYTES);
  const last = cuts?.get(plan.base);
  const full = last === undefined ? largestCut(count, (cut) => fits(cut.full)).full : lastFitFrom(count, last, fits);
  const chosen = Math.min(Math.max(full, 1), count);
  cuts?.set(plan.base, chosen);
  return files(chosen);
}
