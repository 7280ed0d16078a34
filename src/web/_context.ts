import type { FastifyReply } from 'fastify';
import type { Templates } from '../render/_templates.ts';
import { siteUrls, type Site } from '../render/_view.ts';
import type { SubscriberStore } from '../subscribers/store.ts';
import type { SubscriptionContext } from '../subscribers/subscriptions.ts';
import type { SiteData } from './_site-data.ts';
import { csrfToken } from './_csrf.ts';

/** What every route works with, handed in once. */
export interface WebContext {
  site: Site;
  outDir: string;
  secret: string;
  store: SubscriberStore;
  templates: () => Promise<Templates>;
  siteData: () => Promise<SiteData>;
  subscriptions: () => Promise<SubscriptionContext>;
  /** Per-client limit on POST /subscribe: requests per minute. */
  subscribeRate: number;
}

/** A page of the web-page template: a title, paragraphs, a form, links. */
export interface Notice {
  title: string;
  paragraphs: string[];
  problem?: boolean;
  form?: { action: string; button: string; hidden: { name: string; value: string }[] };
  secondary?: { action: string; button: string; hidden: { name: string; value: string }[] };
  links?: { href: string; text: string }[];
}

/** Sends a notice page with a status; every value in it is escaped by the template. */
export async function sendNotice(ctx: WebContext, reply: FastifyReply, status: number, notice: Notice): Promise<FastifyReply> {
  const templates = await ctx.templates();
  const html = templates.webPage({ site: ctx.site, feeds: siteUrls(ctx.site).feeds, csrf: csrfToken(ctx.secret), ...notice });
  return reply.code(status).header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
}

/** The page for a link whose token does not check out: 400, and what to do about it. */
export function badLink(ctx: WebContext, reply: FastifyReply, why: string): Promise<FastifyReply> {
  return sendNotice(ctx, reply, 400, {
    title: 'This link does not work',
    problem: true,
    paragraphs: [
      `The link ${why}.`,
      'If you copied it from an email, check that you copied all of it. You can also subscribe again, or change your settings, from the home page.',
    ],
    links: [{ href: `${ctx.site.url}/`, text: 'Go to the home page' }],
  });
}
