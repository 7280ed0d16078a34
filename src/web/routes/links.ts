import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  confirm,
  describeChoice,
  eraseSubscriber,
  LINK_PATHS,
  linkTo,
  linksFor,
  personalData,
  subscriberOfToken,
  unsubscribe,
  welcome,
  type Subscriber,
  type TokenPurpose,
} from '../../subscribers/index.ts';
import { siteUrls } from '../../render/index.ts';
import { csrfToken } from '../csrf.ts';
import { badLink, sendPage, topicCounts, topicsOf, type WebContext } from '../context.ts';
import { field, fields, fromThisSite } from '../forms.ts';
import { confirmationRequested, crossSite } from './subscribe.ts';

const PROBLEMS = {
  malformed: 'is not complete',
  'wrong purpose': 'is meant for another page',
  'bad signature': 'is not one this newsletter made, or belongs to an address since removed from the list',
  expired: 'has expired (confirmation links last 7 days): subscribe again to get a new one',
  unknown: 'belongs to an address that is no longer on the list',
} as const;

// The token of a link: in the query for GET and one-click POST, in the form for the page's own POSTs.
function tokenOf(request: FastifyRequest): string {
  const query = (request.query as Record<string, unknown>).token;
  return (typeof query === 'string' ? query : undefined) ?? field(request.body, 'token') ?? '';
}

async function holderFor(
  ctx: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
  purpose: TokenPurpose,
): Promise<{ subscriber: Subscriber; issuedAt: Date | undefined } | undefined> {
  const checked = await subscriberOfToken(ctx.store, ctx.secret, purpose, tokenOf(request), ctx.now());
  if ('subscriber' in checked) return checked;
  await badLink(ctx, reply, PROBLEMS[checked.problem]);
  return undefined;
}

async function subscriberFor(
  ctx: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
  purpose: TokenPurpose,
): Promise<Subscriber | undefined> {
  return (await holderFor(ctx, request, reply, purpose))?.subscriber;
}

const hidden = (token: string) => [{ name: 'token', value: token }];

// Topics shown at once on the preferences page; the rest are one click away.
const COMMON_TOPICS = 12;

/** Confirm, unsubscribe (with RFC 8058 one-click), resubscribe and preferences: a GET shows a page, only a POST changes anything. */
export function linkRoutes(app: FastifyInstance, ctx: WebContext): void {
  const home = { href: `${ctx.site.url}/`, text: 'Go to the home page' };

  app.get(LINK_PATHS.confirm, async (request, reply) => {
    const subscriber = await subscriberFor(ctx, request, reply, 'confirm');
    if (!subscriber) return reply;
    return sendPage(ctx, reply, 200, {
      title: `Confirm your subscription`,
      paragraphs: [`Press the button to start receiving ${ctx.site.title} at ${subscriber.email}.`],
      form: { action: LINK_PATHS.confirm, button: 'Confirm my subscription', hidden: hidden(tokenOf(request)) },
    });
  });

  app.post(LINK_PATHS.confirm, async (request, reply) => {
    if (!fromThisSite(ctx, request)) return crossSite(ctx, reply);
    const holder = await holderFor(ctx, request, reply, 'confirm');
    if (!holder) return reply;
    const { subscriber } = holder;
    const outcome = await confirm(ctx.subscriptions, subscriber, holder.issuedAt, 'confirmed on the web');
    if (outcome === 'confirmed')
      await welcome(ctx.subscriptions, subscriber).catch((error: unknown) =>
        request.log.error({ error: (error as Error).message }, 'welcome email not sent'),
      );
    if (outcome === 'left since') {
      return sendPage(ctx, reply, 400, {
        title: 'This link is older than your last goodbye',
        problem: true,
        paragraphs: [
          `${subscriber.email} left the list after this link was sent, so it no longer subscribes anyone.`,
          'To come back, subscribe again from the home page: a fresh confirmation email will follow.',
        ],
        links: [home],
      });
    }
    const links = linksFor(ctx, subscriber, ctx.now());
    return sendPage(ctx, reply, 200, {
      title: 'You are subscribed',
      paragraphs: [`${subscriber.email} will receive ${ctx.site.title} ${describeChoice(subscriber).sentence}.`],
      links: [
        { href: links.preferencesUrl, text: 'Choose topics or how often' },
        { href: `${ctx.site.url}/`, text: 'Read the latest issue' },
      ],
    });
  });

  app.get(LINK_PATHS.unsubscribe, async (request, reply) => {
    const subscriber = await subscriberFor(ctx, request, reply, 'unsubscribe');
    if (!subscriber) return reply;
    const links = linksFor(ctx, subscriber, ctx.now());
    return sendPage(ctx, reply, 200, {
      title: 'Unsubscribe?',
      paragraphs: [`Press the button to stop sending ${ctx.site.title} to ${subscriber.email}.`],
      form: { action: LINK_PATHS.unsubscribe, button: 'Unsubscribe', hidden: hidden(tokenOf(request)) },
      links: [{ href: links.preferencesUrl, text: 'Or get fewer emails: choose topics, or once a week' }],
    });
  });

  app.post(LINK_PATHS.unsubscribe, async (request, reply) => {
    // RFC 8058: a mail provider posts List-Unsubscribe=One-Click to the URL of the header. The token
    // in the URL is the proof; the answer is a plain 200, no redirect, no cookie, the same every time.
    if (field(request.body, 'List-Unsubscribe') === 'One-Click') {
      const checked = await subscriberOfToken(ctx.store, ctx.secret, 'unsubscribe', tokenOf(request), ctx.now());
      if (!('subscriber' in checked))
        return reply.code(400).type('text/plain; charset=utf-8').send('unknown or invalid unsubscribe link\n');
      await unsubscribe(ctx.store, checked.subscriber, 'one-click unsubscribe');
      return reply.code(200).type('text/plain; charset=utf-8').send('unsubscribed\n');
    }
    if (!fromThisSite(ctx, request)) return crossSite(ctx, reply);
    const subscriber = await subscriberFor(ctx, request, reply, 'unsubscribe');
    if (!subscriber) return reply;
    await unsubscribe(ctx.store, subscriber, 'unsubscribed on the web');
    const token = tokenOf(request);
    return sendPage(ctx, reply, 200, {
      title: 'You are unsubscribed',
      paragraphs: [`${subscriber.email} will get no more email from ${ctx.site.title}.`, 'Changed your mind?'],
      secondary: { action: '/resubscribe', button: 'Subscribe again', hidden: hidden(token) },
      links: [{ href: linksFor(ctx, subscriber, ctx.now()).preferencesUrl, text: 'Or subscribe to some topics only, or once a week' }],
    });
  });

  // Coming back after leaving goes through a fresh confirmation: an unsubscribe link can be in
  // anyone's hands (every old email carries one), so it never subscribes anyone by itself.
  app.post('/resubscribe', async (request, reply) => {
    if (!fromThisSite(ctx, request)) return crossSite(ctx, reply);
    const subscriber = await subscriberFor(ctx, request, reply, 'unsubscribe');
    if (!subscriber) return reply;
    if (subscriber.status === 'confirmed') {
      return sendPage(ctx, reply, 200, {
        title: 'You are subscribed',
        paragraphs: [`${subscriber.email} already receives ${ctx.site.title} ${describeChoice(subscriber).sentence}.`],
        links: [home],
      });
    }
    const wanted = { email: subscriber.email, topics: subscriber.topics, cadence: subscriber.cadence, source: 'resubscribe' };
    if ((await confirmationRequested(ctx, request, reply, wanted)) === undefined) return reply;
    return sendPage(ctx, reply, 200, {
      title: 'Check your inbox',
      paragraphs: [
        `A confirmation email is on its way to ${subscriber.email}. Open the link inside to start receiving ${ctx.site.title} again.`,
      ],
    });
  });

  const preferencesPage = async (reply: FastifyReply, subscriber: Subscriber, token: string, saved: boolean) => {
    const [templates, counts] = await Promise.all([ctx.templates(), topicCounts(ctx.library)]);
    const chosen = new Set(subscriber.topics.map((t) => t.toLowerCase()));
    const known = new Set(counts.map((t) => t.name.toLowerCase()));
    // The most common topics first; the rest (and topics no digest carries any more) folded away.
    const topics = [...counts, ...subscriber.topics.filter((t) => !known.has(t.toLowerCase())).map((name) => ({ name, count: 0 }))].map(
      (t) => ({ ...t, chosen: chosen.has(t.name.toLowerCase()) }),
    );
    const common = topics.slice(0, COMMON_TOPICS);
    const rare = topics.slice(COMMON_TOPICS).sort((a, b) => a.name.localeCompare(b.name));
    const html = templates.preferences({
      site: ctx.site,
      feeds: siteUrls(ctx.site).feeds,
      csrf: csrfToken(ctx.secret, ctx.now().getTime()),
      token,
      saved,
      email: subscriber.email,
      daily: subscriber.cadence === 'daily',
      choice: describeChoice(subscriber).sentence,
      common,
      rare,
      rareChosen: rare.some((t) => t.chosen),
      unsubscribeUrl: linksFor(ctx, subscriber, ctx.now()).unsubscribeUrl,
      dataUrl: linkTo(ctx.site, 'data', token),
    });
    return reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
  };

  app.get(LINK_PATHS.preferences, async (request, reply) => {
    const subscriber = await subscriberFor(ctx, request, reply, 'preferences');
    if (!subscriber) return reply;
    return preferencesPage(reply, subscriber, tokenOf(request), false);
  });

  app.post(LINK_PATHS.preferences, async (request, reply) => {
    if (!fromThisSite(ctx, request)) return crossSite(ctx, reply);
    const subscriber = await subscriberFor(ctx, request, reply, 'preferences');
    if (!subscriber) return reply;
    const known = new Set([...(await topicsOf(ctx.library)), ...subscriber.topics]);
    const topics = fields(request.body, 'topics').filter((t) => known.has(t));
    await ctx.store.setPreferences(subscriber.id, topics, field(request.body, 'cadence') === 'weekly' ? 'weekly' : 'daily');
    return preferencesPage(reply, (await ctx.store.get(subscriber.id)) as Subscriber, tokenOf(request), true);
  });

  // Their data: a GET downloads it (it changes nothing); erasing asks first, then takes a POST.
  app.get(LINK_PATHS.data, async (request, reply) => {
    const subscriber = await subscriberFor(ctx, request, reply, 'preferences');
    if (!subscriber) return reply;
    const data = await personalData(ctx.privacy, subscriber);
    return reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('content-disposition', 'attachment; filename="my-data.json"')
      .header('cache-control', 'no-store')
      .send(`${JSON.stringify(data, null, 2)}\n`);
  });

  app.post('/erase', async (request, reply) => {
    if (!fromThisSite(ctx, request)) return crossSite(ctx, reply);
    const subscriber = await subscriberFor(ctx, request, reply, 'preferences');
    if (!subscriber) return reply;
    if (field(request.body, 'confirm') !== 'yes') {
      return sendPage(ctx, reply, 200, {
        title: 'Erase everything about you?',
        paragraphs: [
          `This removes ${subscriber.email} from the list, with its history and the record of what was sent to it. It cannot be undone.`,
          'The list keeps only a scrambled fingerprint of the address, so that nobody can put it back on the list without you; ' +
            'you can always subscribe again yourself.',
        ],
        form: {
          action: '/erase',
          button: 'Erase everything now',
          hidden: [...hidden(tokenOf(request)), { name: 'confirm', value: 'yes' }],
        },
        links: [{ href: linksFor(ctx, subscriber, ctx.now()).preferencesUrl, text: 'No, keep me' }],
      });
    }
    await eraseSubscriber(ctx.privacy, subscriber.email);
    return sendPage(ctx, reply, 200, {
      title: 'Erased',
      paragraphs: [`Nothing about ${subscriber.email} is kept any more, and no more email will come.`],
      links: [home],
    });
  });
}
