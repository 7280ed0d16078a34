import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { confirm, linksFor, unsubscribe, verifyToken, type Subscriber, type TokenPurpose } from '../../subscribers/index.ts';
import { csrfToken } from '../csrf.ts';
import { badLink, sendNotice, topicsOf, type WebContext } from '../context.ts';
import { field, fields, fromThisSite } from '../forms.ts';
import { crossSite } from './subscribe.ts';

const PROBLEMS = {
  malformed: 'is not complete',
  'wrong purpose': 'is meant for another page',
  'bad signature': 'is not one this newsletter made',
  expired: 'has expired (confirmation links last 7 days): subscribe again to get a new one',
} as const;

// The token of a link: in the query for GET and one-click POST, in the form for the page's own POSTs.
function tokenOf(request: FastifyRequest): string {
  const query = (request.query as Record<string, unknown>).token;
  return (typeof query === 'string' ? query : undefined) ?? field(request.body, 'token') ?? '';
}

async function subscriberFor(ctx: WebContext, request: FastifyRequest, reply: FastifyReply, purpose: TokenPurpose): Promise<Subscriber | undefined> {
  const checked = verifyToken(ctx.secret, purpose, tokenOf(request));
  if ('problem' in checked) {
    await badLink(ctx, reply, PROBLEMS[checked.problem]);
    return undefined;
  }
  const subscriber = ctx.store.get(checked.subscriberId);
  if (!subscriber) await badLink(ctx, reply, 'belongs to an address that is no longer on the list');
  return subscriber;
}

const hidden = (token: string) => [{ name: 'token', value: token }];

/** Confirm, unsubscribe (with RFC 8058 one-click), resubscribe and preferences: a GET shows a page, only a POST changes anything. */
export function linkRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get('/confirm', async (request, reply) => {
    const subscriber = await subscriberFor(ctx, request, reply, 'confirm');
    if (!subscriber) return reply;
    return sendNotice(ctx, reply, 200, {
      title: `Confirm your subscription`,
      paragraphs: [`Press the button to start receiving ${ctx.site.title} at ${subscriber.email}.`],
      form: { action: '/confirm', button: 'Confirm my subscription', hidden: hidden(tokenOf(request)) },
    });
  });

  app.post('/confirm', async (request, reply) => {
    if (!fromThisSite(ctx, request)) return crossSite(ctx, reply);
    const subscriber = await subscriberFor(ctx, request, reply, 'confirm');
    if (!subscriber) return reply;
    confirm(ctx.store, subscriber, 'confirmed on the web');
    const links = linksFor(ctx, subscriber.id);
    return sendNotice(ctx, reply, 200, {
      title: 'You are subscribed',
      paragraphs: [`${subscriber.email} will receive ${ctx.site.title} ${subscriber.cadence === 'weekly' ? 'once a week' : 'every day'}.`],
      links: [{ href: links.preferencesUrl, text: 'Choose topics or how often' }, { href: `${ctx.site.url}/`, text: 'Read the latest issue' }],
    });
  });

  app.get('/unsubscribe', async (request, reply) => {
    const subscriber = await subscriberFor(ctx, request, reply, 'unsubscribe');
    if (!subscriber) return reply;
    const links = linksFor(ctx, subscriber.id);
    return sendNotice(ctx, reply, 200, {
      title: 'Unsubscribe?',
      paragraphs: [`Press the button to stop sending ${ctx.site.title} to ${subscriber.email}.`],
      form: { action: '/unsubscribe', button: 'Unsubscribe', hidden: hidden(tokenOf(request)) },
      links: [{ href: links.preferencesUrl, text: 'Or get fewer emails: choose topics, or once a week' }],
    });
  });

  app.post('/unsubscribe', async (request, reply) => {
    // RFC 8058: a mail provider posts List-Unsubscribe=One-Click to the URL of the header. The token
    // in the URL is the proof; the answer is a plain 200, no redirect, no cookie, the same every time.
    if (field(request.body, 'List-Unsubscribe') === 'One-Click') {
      const checked = verifyToken(ctx.secret, 'unsubscribe', tokenOf(request));
      const subscriber = 'subscriberId' in checked ? ctx.store.get(checked.subscriberId) : undefined;
      if (!subscriber) return reply.code(400).type('text/plain; charset=utf-8').send('unknown or invalid unsubscribe link\n');
      unsubscribe(ctx.store, subscriber, 'one-click unsubscribe');
      return reply.code(200).type('text/plain; charset=utf-8').send('unsubscribed\n');
    }
    if (!fromThisSite(ctx, request)) return crossSite(ctx, reply);
    const subscriber = await subscriberFor(ctx, request, reply, 'unsubscribe');
    if (!subscriber) return reply;
    unsubscribe(ctx.store, subscriber, 'unsubscribed on the web');
    const token = tokenOf(request);
    return sendNotice(ctx, reply, 200, {
      title: 'You are unsubscribed',
      paragraphs: [`${subscriber.email} will get no more email from ${ctx.site.title}.`, 'Changed your mind?'],
      secondary: { action: '/resubscribe', button: 'Subscribe again', hidden: hidden(token) },
      links: [{ href: linksFor(ctx, subscriber.id).preferencesUrl, text: 'Or subscribe to some topics only, or once a week' }],
    });
  });

  app.post('/resubscribe', async (request, reply) => {
    if (!fromThisSite(ctx, request)) return crossSite(ctx, reply);
    const subscriber = await subscriberFor(ctx, request, reply, 'unsubscribe');
    if (!subscriber) return reply;
    confirm(ctx.store, subscriber, 'subscribed again from the unsubscribe page');
    return sendNotice(ctx, reply, 200, {
      title: 'Welcome back',
      paragraphs: [`${subscriber.email} will receive ${ctx.site.title} again.`],
      links: [{ href: linksFor(ctx, subscriber.id).preferencesUrl, text: 'Choose topics or how often' }],
    });
  });

  const preferencesPage = async (reply: FastifyReply, subscriber: Subscriber, token: string, saved: boolean) => {
    const [templates, topics] = await Promise.all([ctx.templates(), topicsOf(ctx.library)]);
    const chosen = new Set(subscriber.topics.map((t) => t.toLowerCase()));
    const names = [...new Set([...topics, ...subscriber.topics])].sort((a, b) => a.localeCompare(b));
    const html = templates.preferences({
      site: ctx.site,
      feeds: { rss: `${ctx.site.url}/feeds/rss.xml`, atom: `${ctx.site.url}/feeds/atom.xml`, json: `${ctx.site.url}/feeds/feed.json` },
      csrf: csrfToken(ctx.secret),
      token,
      saved,
      email: subscriber.email,
      daily: subscriber.cadence === 'daily',
      tags: names.map((name) => ({ name, chosen: chosen.has(name.toLowerCase()) })),
      unsubscribeUrl: linksFor(ctx, subscriber.id).unsubscribeUrl,
    });
    return reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
  };

  app.get('/preferences', async (request, reply) => {
    const subscriber = await subscriberFor(ctx, request, reply, 'preferences');
    if (!subscriber) return reply;
    return preferencesPage(reply, subscriber, tokenOf(request), false);
  });

  app.post('/preferences', async (request, reply) => {
    if (!fromThisSite(ctx, request)) return crossSite(ctx, reply);
    const subscriber = await subscriberFor(ctx, request, reply, 'preferences');
    if (!subscriber) return reply;
    const known = new Set([...(await topicsOf(ctx.library)), ...subscriber.topics]);
    const topics = fields(request.body, 'topics').filter((t) => known.has(t));
    ctx.store.setPreferences(subscriber.id, topics, field(request.body, 'cadence') === 'weekly' ? 'weekly' : 'daily');
    return preferencesPage(reply, ctx.store.get(subscriber.id) as Subscriber, tokenOf(request), true);
  });
}
