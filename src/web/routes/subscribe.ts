import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DatabaseBusyError } from '../../db/index.ts';
import {
  addressProblem,
  requestSubscription,
  reservedAddressProblem,
  SubscriberError,
  type RequestOutcome,
} from '../../subscribers/index.ts';
import { sendPage, topicsOf, type WebContext } from '../context.ts';
import { field, fields, fromThisSite } from '../forms.ts';

/** The page that refuses a form posted from another site. */
export function crossSite(ctx: WebContext, reply: Parameters<typeof sendPage>[1]) {
  return sendPage(ctx, reply, 403, {
    title: 'This form came from elsewhere',
    problem: true,
    paragraphs: ['For your safety, forms are taken only from this site. Please use the form on the home page.'],
    links: [{ href: `${ctx.site.url}/`, text: 'Go to the home page' }],
  });
}

/**
 * Asks for a confirmation email. When the relay is down or refuses, the page that says to try
 * again later (503; nothing was counted against the address) is sent instead, and undefined returned.
 */
export async function confirmationRequested(
  ctx: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
  wanted: Parameters<typeof requestSubscription>[1],
): Promise<RequestOutcome | undefined> {
  try {
    return await requestSubscription(ctx.subscriptions, wanted);
  } catch (error) {
    if (error instanceof DatabaseBusyError || error instanceof SubscriberError) throw error;
    request.log.error({ error: (error as Error).message }, 'confirmation email not sent');
    reply.header('retry-after', '300');
    await sendPage(ctx, reply, 503, {
      title: 'Please try again in a few minutes',
      problem: true,
      paragraphs: [
        'The confirmation email could not be sent just now. ' +
          'Please try again in a few minutes: this attempt does not count towards the daily limit.',
      ],
    });
    return undefined;
  }
}

/** `POST /subscribe`: double opt-in; the same answer whatever the address's state, so nobody learns who is on the list. */
export function subscribeRoute(app: FastifyInstance, ctx: WebContext): void {
  app.post('/subscribe', { config: { rateLimit: { max: ctx.subscribeRate, timeWindow: '1 minute' } } }, async (request, reply) => {
    if (!fromThisSite(ctx, request)) return crossSite(ctx, reply);
    const email = (field(request.body, 'email') ?? '').trim();
    const problem = addressProblem(email) ?? (ctx.allowReservedAddresses ? undefined : reservedAddressProblem(email));
    if (problem) {
      return sendPage(ctx, reply, 400, {
        title: 'Please check the address',
        problem: true,
        paragraphs: [`The address you typed ${problem}. Please go back and type it again.`],
        links: [{ href: `${ctx.site.url}/`, text: 'Back to the form' }],
      });
    }
    const cadence = field(request.body, 'cadence') === 'weekly' ? 'weekly' : 'daily';
    const known = new Set(await topicsOf(ctx.library));
    const topics = fields(request.body, 'topics').filter((t) => known.has(t));
    const outcome = await confirmationRequested(ctx, request, reply, { email, topics, cadence, source: 'web' });
    if (outcome === undefined) return reply;
    request.log.info({ outcome }, 'subscription request');
    return sendPage(ctx, reply, 200, {
      title: 'Check your inbox',
      paragraphs: [
        `If ${email} can receive mail, a message is on its way to it. Open the link inside to confirm your subscription.`,
        'Nothing arrived? Look in the spam folder, or try again in a few minutes.',
      ],
    });
  });
}
