import type { FastifyReply } from 'fastify';
import type { ApiContext } from '../api/index.ts';
import type { DigestLibrary } from '../digest/index.ts';
import type { TrustProxy } from '../config.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics/index.ts';
import { plainText, siteUrls, type Site, type TemplateSource } from '../render/index.ts';
import type { PrivacyContext, SubscriberStore, SubscriptionContext } from '../subscribers/index.ts';
import { csrfToken } from './csrf.ts';

/** What every route works with, handed in once. */
export interface WebContext {
  site: Site;
  outDir: string;
  secret: string;
  store: SubscriberStore;
  templates: TemplateSource;
  /** The digests, for the topics a subscriber may choose. */
  library: DigestLibrary;
  subscriptions: SubscriptionContext;
  /** A subscriber's data, to download or erase. */
  privacy: PrivacyContext;
  /** Per-client limit on POST /subscribe: requests per minute. */
  subscribeRate: number;
  /** What `/healthz` reports; it throws when the database cannot be used. */
  health: () => Promise<Health>;
  /** The metrics `/metrics` serves, and the bearer token it asks for (without one, `/metrics` is off). */
  metrics: Metrics;
  metricsToken: string | undefined;
  /** Where server errors and mail not sent are told (nothing is said without it). */
  log?: Logger;
  /** The proxies whose X-Forwarded-For names the client, for the per-client limits (off without it). */
  trustProxy?: TrustProxy;
  /** The admin API under /api/v1, when an admin token is set (off without it). */
  api?: ApiContext | undefined;
  /** Whether the subscribe form takes addresses at `localhost`, `.test` and the other reserved names. */
  allowReservedAddresses?: boolean;
  /** The clock: links expire, and form tokens turn, by it. */
  now: () => Date;
}

/** The state `/healthz` reports. */
export interface Health {
  lastPublication: { issue: string; at: string } | null;
  nextRun: string | null;
  /** How the digests source's syncs went (when one is set): how long since the last good one. */
  sync?: { lastGoodSync: string | null; secondsSinceGoodSync: number | null; problem: string | null };
}

/** The topics seen in the readable digests, each once (compared without case), with how many papers had it: the most common first. */
export async function topicCounts(library: DigestLibrary): Promise<{ name: string; count: number }[]> {
  const tags = new Map<string, { name: string; count: number }>();
  for (const { reading } of await library.readAll().catch(() => [])) {
    if (reading.errors.length > 0) continue;
    for (const paper of reading.digest.papers) {
      for (const tag of paper.tags) {
        const seen = tags.get(tag.toLowerCase());
        if (seen) seen.count++;
        else tags.set(tag.toLowerCase(), { name: plainText(tag), count: 1 });
      }
    }
  }
  return [...tags.values()].sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

/** The topics seen in the readable digests, by name, each once (compared without case). */
export async function topicsOf(library: DigestLibrary): Promise<string[]> {
  return (await topicCounts(library)).map((t) => t.name).sort((a, b) => a.localeCompare(b));
}

/** A page of the web-page template: a title, paragraphs, a form, links. */
export interface WebPage {
  title: string;
  paragraphs: string[];
  problem?: boolean;
  form?: { action: string; button: string; hidden: { name: string; value: string }[] };
  secondary?: { action: string; button: string; hidden: { name: string; value: string }[] };
  links?: { href: string; text: string }[];
}

/** Sends a page of the web-page template with a status; every value in it is escaped by the template. */
export async function sendPage(ctx: WebContext, reply: FastifyReply, status: number, page: WebPage): Promise<FastifyReply> {
  const templates = await ctx.templates();
  const csrf = csrfToken(ctx.secret, ctx.now().getTime());
  const html = templates.webPage({ site: ctx.site, feeds: siteUrls(ctx.site).feeds, csrf, ...page });
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
}

/** The page for a link whose token does not check out: 400, and what to do about it. */
export function badLink(ctx: WebContext, reply: FastifyReply, why: string): Promise<FastifyReply> {
  return sendPage(ctx, reply, 400, {
    title: 'This link does not work',
    problem: true,
    paragraphs: [
      `The link ${why}.`,
      'If you copied it from an email, check that you copied all of it. ' +
        'You can also subscribe again, or change your settings, from the home page.',
    ],
    links: [{ href: `${ctx.site.url}/`, text: 'Go to the home page' }],
  });
}
