import { largestCut } from '../budget.ts';
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
  const render = (full?: number): FeedFiles => {
    const { channel, entries } = channelOf(plan, viewOf, site, templates, full);
    return new Map([
      [paths.rss, renderRss(site, channel, entries, hub)],
      [paths.atom, renderAtom(site, channel, entries, hub)],
      [paths.json, renderJsonFeed(site, channel, entries, hub)],
    ]);
  };
  if (plan.tag !== undefined || plan.history?.page !== undefined) return render();
  const count = plan.dates.length;
  const rendered = new Map<number, FeedFiles>();
  const fits = (full: number) => {
    const files = rendered.get(full) ?? render(full);
    rendered.set(full, files);
    return [...files.values()].every((text) => Buffer.byteLength(text) <= FEED_BYTES);
  };
  const full = nearCut(count, cuts?.get(plan.base), fits) ?? largestCut(count, (cut) => fits(cut.full)).full;
  const chosen = Math.min(Math.max(full, 1), count);
  cuts?.set(plan.base, chosen);
  return rendered.get(chosen) ?? render(chosen);
}

// What fits shrinks as more issues go in full, so the largest that fits is the one whose next does
// not. Looked for a few steps either side of the last cut; undefined when it is further.
function nearCut(count: number, last: number | undefined, fits: (full: number) => boolean): number | undefined {
  const STEPS = 3;
  if (last === undefined || last < 0 || last > count) return undefined;
  if (fits(last)) {
    for (let full = last; full < Math.min(count, last + STEPS); full++) if (!fits(full + 1)) return full;
    return last + STEPS >= count ? count : undefined;
  }
  for (let full = last - 1; full >= Math.max(0, last - STEPS); full--) if (fits(full)) return full;
  return undefined;
}
