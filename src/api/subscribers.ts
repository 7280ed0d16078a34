import type { FastifyInstance } from 'fastify';
import {
  addressProblem,
  eraseSubscriber,
  requestSubscription,
  reservedAddressProblem,
  suppressedMessage,
  SubscriberError,
  type Cadence,
  type Subscriber,
  type SubscriberStatus,
} from '../subscribers/index.ts';
import type { ApiContext } from './context.ts';
import { sendError } from './_errors.ts';
import { readCursor, writeCursor } from './_cursor.ts';
import {
  addedSubscriber,
  errorResponses as errors,
  newSubscriber,
  subscriberChange,
  subscriberId,
  subscriberPage,
  subscriberQuery,
} from './schemas.ts';

const tags = ['subscribers'];

/** A subscriber as the API shows them: everything but the key their tokens are signed with. */
function shown(s: Subscriber) {
  return {
    id: s.id,
    email: s.email,
    name: s.name,
    status: s.status,
    topics: s.topics,
    cadence: s.cadence,
    source: s.source,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    confirmedAt: s.confirmedAt,
    unsubscribedAt: s.unsubscribedAt,
    leftAt: s.leftAt,
    hardBounces: s.hardBounces,
    softBounces: s.softBounces,
  };
}

const notFound = (id: number) => `subscriber ${id}: there is no such subscriber`;

/**
 * The topics asked for, each named as the digests name it (compared without case), or the first
 * that no digest carries and the subscriber does not already have, with its place in the body.
 */
async function chosenTopics(ctx: ApiContext, asked: string[], kept: string[] = []): Promise<string[] | { unknown: string; at: number }> {
  const known = new Map([...kept, ...(await ctx.topics())].map((t) => [t.toLowerCase(), t]));
  const chosen: string[] = [];
  for (const [at, topic] of asked.entries()) {
    const name = known.get(topic.toLowerCase());
    if (name === undefined) return { unknown: topic, at };
    if (!chosen.includes(name)) chosen.push(name);
  }
  return chosen;
}

const unknownTopic = ({ unknown, at }: { unknown: string; at: number }) =>
  `body.topics.${at}: ${JSON.stringify(unknown)} is not a topic of any digest`;

/** The list: pages of it, adding (double opt-in unless vouched for), reading, changing, removing and erasing one subscriber. */
export function subscriberRoutes(api: FastifyInstance, ctx: ApiContext): void {
  const { store } = ctx.subscriptions;

  api.get<{ Querystring: { status?: SubscriberStatus; cursor?: string; limit: number } }>(
    '/subscribers',
    {
      schema: {
        tags,
        summary: 'A page of subscribers, by id',
        querystring: subscriberQuery,
        response: { 200: subscriberPage, ...errors(400) },
      },
    },
    async (request, reply) => {
      const { status, cursor, limit } = request.query;
      const after = cursor === undefined ? 0 : readCursor(cursor, 'subscribers');
      if (after === undefined) return sendError(reply, 400, 'query.cursor: is not a cursor of this list', 'query.cursor');
      const items = await store.page(Number(after), limit, status);
      const last = items.at(-1);
      return { items: items.map(shown), next: items.length === limit && last ? writeCursor('subscribers', String(last.id)) : null };
    },
  );

  api.post<{ Body: { email: string; name?: string; topics?: string[]; cadence?: Cadence; confirmed: boolean } }>(
    '/subscribers',
    {
      schema: {
        tags,
        summary: 'Adds a subscriber: pending, sent a confirmation, unless `confirmed`',
        body: newSubscriber,
        response: { 201: addedSubscriber, ...errors(400, 409, 413, 415, 502) },
      },
    },
    async (request, reply) => {
      const { name, cadence = 'daily', confirmed } = request.body;
      const email = request.body.email.trim();
      const topics = await chosenTopics(ctx, request.body.topics ?? []);
      if (!Array.isArray(topics)) return sendError(reply, 400, unknownTopic(topics), `body.topics.${topics.at}`);
      // As on the subscribe form: a reserved name never receives mail, confirmed or not.
      const problem = addressProblem(email) ?? (ctx.allowReservedAddresses ? undefined : reservedAddressProblem(email));
      if (problem) return sendError(reply, 400, `body.email: the address ${problem}`, 'body.email');
      const existing = await store.find(email);
      if (existing) {
        return sendError(
          reply,
          409,
          `${existing.email}: already on the list as subscriber ${existing.id} (${existing.status})`,
          'body.email',
        );
      }
      if (confirmed) {
        // Only its owner can bring back an address that complained or was erased.
        if ((await ctx.suppressions.reason(email)) !== undefined) return sendError(reply, 409, suppressedMessage(email), 'body.email');
        const { subscriber } = await store.add({ email, name, topics, cadence, status: 'confirmed', source: 'api' });
        return reply.code(201).send({ subscriber: shown(subscriber), confirmation: 'not needed' });
      }
      await store.add({ email, name, topics, cadence, source: 'api' });
      let outcome: Awaited<ReturnType<typeof requestSubscription>>;
      try {
        outcome = await requestSubscription(ctx.subscriptions, { email, topics, cadence, source: 'api' });
      } catch (error) {
        if (error instanceof SubscriberError) return sendError(reply, 400, `body.email: ${error.message}`, 'body.email');
        ctx.log.warn('confirmation not sent', { route: '/api/v1/subscribers', reason: (error as Error).message });
        return sendError(reply, 502, 'the subscriber was added, pending, but the confirmation could not be sent: see the log');
      }
      const subscriber = (await store.find(email)) as Subscriber;
      return reply.code(201).send({ subscriber: shown(subscriber), confirmation: outcome === 'limit reached' ? 'limit reached' : 'sent' });
    },
  );

  api.get<{ Params: { id: number } }>(
    '/subscribers/:id',
    { schema: { tags, summary: 'One subscriber', params: subscriberId, response: { 200: { $ref: 'Subscriber#' }, ...errors(400, 404) } } },
    async (request, reply) => {
      const subscriber = await store.get(request.params.id);
      return subscriber ? shown(subscriber) : sendError(reply, 404, notFound(request.params.id));
    },
  );

  api.patch<{ Params: { id: number }; Body: { topics?: string[]; cadence?: Cadence } }>(
    '/subscribers/:id',
    {
      schema: {
        tags,
        summary: "Changes a subscriber's topics or cadence",
        params: subscriberId,
        body: subscriberChange,
        response: { 200: { $ref: 'Subscriber#' }, ...errors(400, 404, 413, 415) },
      },
    },
    async (request, reply) => {
      const { id } = request.params;
      const subscriber = await store.get(id);
      if (!subscriber) return sendError(reply, 404, notFound(id));
      const { cadence = subscriber.cadence } = request.body;
      const topics =
        request.body.topics === undefined ? subscriber.topics : await chosenTopics(ctx, request.body.topics, subscriber.topics);
      if (!Array.isArray(topics)) return sendError(reply, 400, unknownTopic(topics), `body.topics.${topics.at}`);
      await store.setPreferences(id, topics, cadence);
      return shown((await store.get(id)) as Subscriber);
    },
  );

  api.delete<{ Params: { id: number } }>(
    '/subscribers/:id',
    {
      schema: {
        tags,
        summary: 'Removes a subscriber and their history (as `subscribers remove`)',
        params: subscriberId,
        response: { 204: { type: 'null' }, ...errors(400, 404) },
      },
    },
    async (request, reply) => {
      const subscriber = await store.get(request.params.id);
      if (!subscriber) return sendError(reply, 404, notFound(request.params.id));
      await store.remove(subscriber.email);
      return reply.code(204).send();
    },
  );

  api.post<{ Params: { id: number } }>(
    '/subscribers/:id/erase',
    {
      schema: {
        tags,
        summary: 'Erases a subscriber: the address leaves every table; only a keyed hash stays, so nothing but its owner brings it back',
        params: subscriberId,
        response: { 204: { type: 'null' }, ...errors(400, 404) },
      },
    },
    async (request, reply) => {
      const subscriber = await store.get(request.params.id);
      if (!subscriber) return sendError(reply, 404, notFound(request.params.id));
      await eraseSubscriber(ctx.privacy, subscriber.email);
      return reply.code(204).send();
    },
  );
}
