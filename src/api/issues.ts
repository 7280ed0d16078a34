import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { isIsoDate } from '../iso-date.ts';
import { LockedError } from '../ledger/index.ts';
import { dispatchByHand, dryRunDispatch, issueToDispatch, type ByHand } from '../publish/index.ts';
import { REPORT_POLICY } from '../report/index.ts';
import type { ApiContext } from './context.ts';
import { readCursor, writeCursor } from './_cursor.ts';
import { sendError } from './_errors.ts';
import {
  dispatchNotStarted,
  dispatchRequest,
  dispatchStarted,
  errorResponses as errors,
  issuePage,
  issueQuery,
  reportQuery,
  statusSchema,
} from './schemas.ts';

const RUNNING = 'a dispatch is already running: wait for it to finish (GET /api/v1/status says when)';

// Why an issue was not mailed, as the command says it.
function notMailed(issue: string, outcome: Exclude<ByHand, { kind: 'dispatched' }>) {
  switch (outcome.kind) {
    case 'sent':
      return {
        issue,
        outcome: 'already sent',
        message: `${issue} was already sent (${outcome.round.sent} sent, finished ${outcome.round.finishedAt})`,
      };
    case 'published':
      return {
        issue,
        outcome: 'published',
        message: `${issue} was published on ${outcome.publication.publishedAt} and not mailed (${outcome.publication.note})`,
      };
    case 'empty':
      return { issue, outcome: 'empty', message: `${issue} has no papers: it is on the web, not in the feeds, and is not mailed` };
    case 'late':
      return {
        issue,
        outcome: 'late',
        message: `${issue} is ${outcome.days} days old (older than PAPERBOY_MAX_LATENESS): it is on the web, not mailed`,
      };
  }
}

/** The state (`status --json`), the issues with their outcomes, and a dispatch run in the background. */
export function issueRoutes(api: FastifyInstance, ctx: ApiContext): void {
  const status = { tags: ['status'], summary: 'What `paperboy status --json` says', response: { 200: statusSchema, ...errors() } };
  api.get('/status', { schema: status }, () => ctx.status());

  const report = {
    tags: ['status'],
    summary: 'The report of the last days as one self-contained HTML page, the one `paperboy report` writes',
    querystring: reportQuery,
    response: { 200: { content: { 'text/html': { schema: { type: 'string' } } } }, ...errors(400) },
  };
  // The page's own inline style is allowed (by hash), after the site's default policy is set.
  const reportPolicy = async (_request: FastifyRequest, reply: FastifyReply) => {
    reply.header('content-security-policy', REPORT_POLICY);
  };
  api.get<{ Querystring: { days: number } }>('/report', { schema: report, onSend: reportPolicy }, async (request, reply) =>
    reply.type('text/html; charset=utf-8').send(await ctx.report(request.query.days)),
  );

  api.get<{ Querystring: { cursor?: string; limit: number } }>(
    '/issues',
    {
      schema: {
        tags: ['issues'],
        summary: 'The issues, newest first, with their deliveries and what their readers did after',
        querystring: issueQuery,
        response: { 200: issuePage, ...errors(400) },
      },
    },
    async (request, reply) => {
      const { cursor, limit } = request.query;
      const before = cursor === undefined ? '' : readCursor(cursor, 'issues');
      if (before === undefined) return sendError(reply, 400, 'query.cursor: is not a cursor of this list', 'query.cursor');
      const items = await ctx.ledger.issues(limit, before);
      const last = items.at(-1);
      return { items, next: items.length === limit && last ? writeCursor('issues', last.issue) : null };
    },
  );

  // One dispatch at a time from this process; another process's shows in the lock.
  let running: Promise<unknown> | undefined;
  const stop = new AbortController();
  api.addHook('onClose', async () => {
    stop.abort();
    await running;
  });

  api.post<{ Body: { date?: string; dryRun: boolean } }>(
    '/dispatch',
    {
      schema: {
        tags: ['issues'],
        summary:
          'Mails an issue (the newest by default) in the background, by the rule the schedule follows; a dry run writes it to out/outbox/',
        body: dispatchRequest,
        response: { 200: dispatchNotStarted, 202: dispatchStarted, ...errors(400, 404, 409, 413, 415) },
      },
      // A request without a body asks for the defaults.
      preValidation: async (request) => {
        request.body ??= { dryRun: false };
      },
    },
    async (request, reply) => {
      const { date, dryRun } = request.body;
      const parts = ctx.dispatching(stop.signal);
      if (date !== undefined && !isIsoDate(date)) {
        return sendError(reply, 400, `body.date: ${date} is not a day of the calendar (YYYY-MM-DD)`, 'body.date');
      }
      if (date !== undefined && !(await parts.builder.digests()).some((d) => d.date === date)) {
        return sendError(reply, 404, `body.date: there is no digest for ${date}`, 'body.date');
      }
      const issue = await issueToDispatch(parts, date);
      if (dryRun) {
        const run = await dryRunDispatch(parts, issue, ctx.outbox());
        const message =
          `dry run of ${run.issue}: ${run.written} messages written to out/outbox/, ` + `${run.none.length} subscribers would get none`;
        return reply
          .code(200)
          .send({ issue: run.issue, outcome: 'dry run', message, written: run.written, none: run.none.length, weekly: run.weekly });
      }
      const holder = await ctx.ledger.holder('dispatch');
      if (running !== undefined || (holder !== undefined && !holder.gone)) return sendError(reply, 409, RUNNING);
      let begun: (started: { round: unknown; queued: number }) => void = () => undefined;
      const started = new Promise<{ round: unknown; queued: number }>((resolve) => (begun = resolve));
      const work = dispatchByHand(parts, issue, { started: (round, queued) => begun({ round, queued }) });
      running = work.finally(() => (running = undefined));
      running.then(
        (outcome) => {
          const done = outcome as ByHand;
          if (done.kind !== 'dispatched') return;
          ctx.log.info('dispatched', { issue: issue.id, via: 'api', sent: done.summary.sent, stopped: done.summary.stopped ?? null });
        },
        (error: unknown) => {
          if (!(error instanceof LockedError))
            ctx.log.error('dispatch failed', { issue: issue.id, via: 'api', error: (error as Error).message });
        },
      );
      const first = await Promise.race([
        started,
        work.then(
          (outcome) => ({ outcome }),
          (error: unknown) => ({ error }),
        ),
      ]);
      if ('queued' in first) return reply.code(202).send(first);
      if ('error' in first) {
        if (first.error instanceof LockedError) return sendError(reply, 409, RUNNING);
        throw first.error;
      }
      if (first.outcome.kind === 'dispatched') {
        // Over before it was seen starting: a round with nothing queued.
        const round = await ctx.ledger.rounds.latestRound(issue.id);
        return reply.code(202).send({ round, queued: 0 });
      }
      return reply.code(200).send(notMailed(issue.id, first.outcome));
    },
  );
}
