// The JSON schemas of the admin API: fastify validates requests and writes responses by them, and
// the OpenAPI document is made from them. Every object is closed and every size bounded.

const nullable = (type: string, extra: Record<string, unknown> = {}) => ({ type: [type, 'null'], ...extra }) as const;
const count = { type: 'integer', minimum: 0 } as const;
const stamp = { type: 'string', description: 'an ISO 8601 time' } as const;

/** An error: the status, its name, and what was wrong (with the field, for bad input). */
export const errorSchema = {
  $id: 'Error',
  type: 'object',
  additionalProperties: false,
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer' },
    error: { type: 'string' },
    message: { type: 'string' },
    field: { type: 'string', description: 'the input that was wrong, as `body.email` or `query.limit`' },
  },
} as const;

/** The error answers of a route: those it names, and those of every route (token, rate, server). */
export function errorResponses(...codes: number[]): Record<number, { $ref: string }> {
  return Object.fromEntries([...new Set([...codes, 401, 429, 500, 503])].sort().map((code) => [code, { $ref: `${errorSchema.$id}#` }]));
}

const STATUSES = ['pending', 'confirmed', 'unsubscribed', 'bounced'] as const;
const CADENCES = ['daily', 'weekly'] as const;
const topics = {
  type: 'array',
  maxItems: 50,
  items: { type: 'string', minLength: 1, maxLength: 100 },
  description: 'the topics wanted; none means everything',
} as const;

/** One subscriber as the API shows them: never their token key. */
export const subscriberSchema = {
  $id: 'Subscriber',
  type: 'object',
  additionalProperties: false,
  required: [
    'id',
    'email',
    'name',
    'status',
    'topics',
    'cadence',
    'source',
    'createdAt',
    'updatedAt',
    'confirmedAt',
    'unsubscribedAt',
    'leftAt',
    'hardBounces',
    'softBounces',
  ],
  properties: {
    id: { type: 'integer', minimum: 1 },
    email: { type: 'string' },
    name: { type: 'string' },
    status: { type: 'string', enum: STATUSES },
    topics: { type: 'array', items: { type: 'string' } },
    cadence: { type: 'string', enum: CADENCES },
    source: { type: 'string' },
    createdAt: stamp,
    updatedAt: stamp,
    confirmedAt: nullable('string'),
    unsubscribedAt: nullable('string'),
    leftAt: nullable('string', { description: 'when they last left the list (unsubscribed, or marked bounced)' }),
    hardBounces: count,
    softBounces: count,
  },
} as const;

const cursor = { type: 'string', minLength: 1, maxLength: 200, description: 'the `next` of the page before' } as const;
const limit = { type: 'integer', minimum: 1, maximum: 500, default: 50 } as const;

/** `GET /subscribers`'s query. */
export const subscriberQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { status: { type: 'string', enum: STATUSES }, cursor, limit },
} as const;

/** A page of subscribers, and the cursor of the next (null after the last). */
export const subscriberPage = {
  type: 'object',
  additionalProperties: false,
  required: ['items', 'next'],
  properties: { items: { type: 'array', items: { $ref: 'Subscriber#' } }, next: nullable('string') },
} as const;

/** `POST /subscribers`'s body. */
export const newSubscriber = {
  type: 'object',
  additionalProperties: false,
  required: ['email'],
  properties: {
    email: { type: 'string', minLength: 3, maxLength: 254 },
    name: { type: 'string', maxLength: 200 },
    topics,
    cadence: { type: 'string', enum: CADENCES },
    confirmed: {
      type: 'boolean',
      default: false,
      description: 'true only for an import whose people the operator vouches for: no confirmation is sent',
    },
  },
} as const;

/** What adding a subscriber did: the subscriber, and whether a confirmation went out. */
export const addedSubscriber = {
  type: 'object',
  additionalProperties: false,
  required: ['subscriber', 'confirmation'],
  properties: {
    subscriber: { $ref: 'Subscriber#' },
    confirmation: { type: 'string', enum: ['sent', 'not needed', 'limit reached'] },
  },
} as const;

/** `PATCH /subscribers/{id}`'s body. */
export const subscriberChange = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { topics, cadence: { type: 'string', enum: CADENCES } },
} as const;

/** A subscriber's id in the path. */
export const subscriberId = {
  type: 'object',
  additionalProperties: false,
  required: ['id'],
  properties: { id: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER } },
} as const;

/** One issue and what became of it. */
export const issueSchema = {
  $id: 'Issue',
  type: 'object',
  additionalProperties: false,
  required: [
    'issue',
    'publishedAt',
    'mailed',
    'rounds',
    'sent',
    'failed',
    'doubt',
    'queued',
    'skipped',
    'bounced',
    'complained',
    'unsubscribed',
  ],
  properties: {
    issue: { type: 'string', description: 'its date, YYYY-MM-DD' },
    publishedAt: nullable('string'),
    mailed: { type: 'boolean' },
    rounds: count,
    sent: count,
    failed: { ...count, description: 'refused for the recipient (their mailbox), in every round' },
    doubt: { ...count, description: 'taken by the relay without an answer: perhaps delivered, not sent again' },
    queued: count,
    skipped: count,
    bounced: { ...count, description: 'bounce reports about its recipients received after it and before their next message' },
    complained: { ...count, description: 'spam complaints from its recipients after it and before their next message' },
    unsubscribed: { ...count, description: 'its recipients who left after it and before their next message' },
  },
} as const;

/** `GET /issues`'s query. */
export const issueQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { cursor, limit: { ...limit, maximum: 200, default: 30 } },
} as const;

/** How many days a report covers. */
export const reportQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { days: { type: 'integer', minimum: 1, maximum: 3660, default: 30 } },
} as const;

/** A page of issues, newest first. */
export const issuePage = {
  type: 'object',
  additionalProperties: false,
  required: ['items', 'next'],
  properties: { items: { type: 'array', items: { $ref: 'Issue#' } }, next: nullable('string') },
} as const;

/** `POST /dispatch`'s body. */
export const dispatchRequest = {
  type: 'object',
  additionalProperties: false,
  properties: {
    date: { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'the issue to send (YYYY-MM-DD); the newest by default' },
    dryRun: { type: 'boolean', default: false, description: 'write what would be sent to out/outbox/ and touch nothing else' },
  },
} as const;

const round = {
  type: 'object',
  additionalProperties: false,
  required: ['id', 'issue', 'round', 'status', 'startedAt', 'finishedAt', 'sent', 'skipped', 'failed', 'note'],
  properties: {
    id: { type: 'integer' },
    issue: { type: 'string' },
    round: count,
    status: { type: 'string', enum: ['running', 'done', 'stopped'] },
    startedAt: stamp,
    finishedAt: nullable('string'),
    sent: count,
    skipped: count,
    failed: count,
    note: { type: 'string' },
  },
} as const;

/** A dispatch that started: its round, and how many deliveries it has queued. */
export const dispatchStarted = {
  type: 'object',
  additionalProperties: false,
  required: ['round', 'queued'],
  properties: { round, queued: count },
} as const;

/** A dispatch asked for that sent nothing: a dry run, or why the issue is not mailed. */
export const dispatchNotStarted = {
  type: 'object',
  additionalProperties: false,
  required: ['issue', 'outcome', 'message'],
  properties: {
    issue: { type: 'string' },
    outcome: { type: 'string', enum: ['dry run', 'already sent', 'published', 'empty', 'late'] },
    message: { type: 'string' },
    written: { ...count, description: 'a dry run: the messages written to out/outbox/' },
    none: { ...count, description: 'a dry run: the daily subscribers who would get none (no paper on their topics)' },
    weekly: { ...count, description: 'a dry run: the weekly subscribers, left for the weekly email' },
  },
} as const;

/** What `paperboy status --json` prints. */
export const statusSchema = {
  type: 'object',
  additionalProperties: false,
  required: [
    'database',
    'source',
    'lastPublication',
    'nextPublication',
    'nextWeekly',
    'timeZone',
    'subscribers',
    'last30Days',
    'complaints',
    'lastDispatch',
    'relayRefusals',
    'dispatchRunning',
    'senders',
    'webhooks',
    'attention',
  ],
  properties: {
    database: {
      type: 'string',
      description: "where the list and the ledger are: the SQLite file, or the server's URL without its password",
    },
    source: {
      type: ['object', 'null'],
      description: 'how the syncs from PAPERBOY_DIGESTS_SOURCE went; null when the digests folder is its own source',
      additionalProperties: false,
      required: ['spec', 'revision', 'lastGoodSync', 'secondsSinceGoodSync', 'lastTry', 'problem'],
      properties: {
        spec: { type: 'string' },
        revision: nullable('string'),
        lastGoodSync: { type: ['string', 'null'] },
        secondsSinceGoodSync: { type: ['integer', 'null'] },
        lastTry: { type: ['string', 'null'] },
        problem: nullable('string'),
      },
    },
    lastPublication: {
      type: ['object', 'null'],
      additionalProperties: false,
      required: ['issue', 'publishedAt', 'mailed', 'note'],
      properties: { issue: { type: 'string' }, publishedAt: stamp, mailed: { type: 'boolean' }, note: { type: 'string' } },
    },
    nextPublication: nullable('string'),
    nextWeekly: nullable('string'),
    timeZone: { type: 'string' },
    subscribers: {
      type: 'object',
      additionalProperties: false,
      required: [...STATUSES],
      properties: Object.fromEntries(STATUSES.map((s) => [s, count])),
    },
    last30Days: {
      type: 'object',
      additionalProperties: false,
      required: ['confirmationsSent', 'confirmed', 'unsubscribed', 'hardBounces', 'softBounces', 'markedBounced', 'complaints'],
      properties: {
        confirmationsSent: count,
        confirmed: count,
        unsubscribed: count,
        hardBounces: count,
        softBounces: count,
        markedBounced: count,
        complaints: count,
      },
    },
    complaints: {
      type: 'object',
      additionalProperties: false,
      required: ['complaints', 'sent', 'dispatches', 'rate', 'tooHigh'],
      properties: { complaints: count, sent: count, dispatches: count, rate: nullable('number'), tooHigh: { type: 'boolean' } },
    },
    lastDispatch: { ...round, type: ['object', 'null'] },
    relayRefusals: {
      type: ['object', 'null'],
      additionalProperties: false,
      required: ['refused', 'of', 'share', 'reasons'],
      properties: {
        refused: count,
        of: count,
        share: { type: 'number', minimum: 0, maximum: 1 },
        reasons: {
          type: 'array',
          items: {
            type: 'object',
            additionalProperties: false,
            required: ['code', 'count', 'reply'],
            properties: { code: nullable('string'), count, reply: { type: 'string' } },
          },
        },
      },
    },
    dispatchRunning: {
      type: ['object', 'null'],
      additionalProperties: false,
      required: ['pid', 'host', 'since'],
      properties: { pid: { type: 'integer' }, host: { type: 'string' }, since: stamp },
    },
    senders: {
      type: 'array',
      description: 'the senders of a shared database seen in the last hour, with what each holds of the running rounds',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'host', 'pid', 'startedAt', 'silentMs', 'leaseMs', 'lapsed', 'note', 'held'],
        properties: {
          id: { type: 'string' },
          host: { type: 'string' },
          pid: { type: 'integer' },
          startedAt: { type: 'string' },
          silentMs: { type: 'integer' },
          leaseMs: { type: 'integer' },
          lapsed: { type: 'boolean' },
          note: { type: 'string' },
          held: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['issue', 'round', 'count'],
              properties: { issue: { type: 'string' }, round: { type: 'integer' }, count },
            },
          },
        },
      },
    },
    webhooks: {
      type: 'object',
      additionalProperties: false,
      required: ['receivers', 'pending', 'oldest', 'lastError'],
      properties: { receivers: count, pending: count, oldest: { ...stamp, type: ['string', 'null'] }, lastError: nullable('string') },
    },
    attention: { type: 'array', items: { type: 'string' } },
  },
} as const;
