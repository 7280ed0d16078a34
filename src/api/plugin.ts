import { createHash, timingSafeEqual } from 'node:crypto';
import swagger from '@fastify/swagger';
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { DatabaseBusyError, isBusy } from '../db/index.ts';
import type { ApiContext } from './context.ts';
import { describeInvalid, sendError } from './_errors.ts';
import { issueRoutes } from './issues.ts';
import { subscriberRoutes } from './subscribers.ts';
import { errorSchema, issueSchema, subscriberSchema } from './schemas.ts';

/** The largest request body the API takes: a subscriber with fifty topics is far smaller. */
export const API_BODY_LIMIT = 32 * 1024;

// Digests of equal length, so the comparison takes the same time whatever was sent.
const digest = (text: string) => createHash('sha256').update(text).digest();

/** Whether a request carries the admin token (`Authorization: Bearer …`), compared in constant time. */
function authorized(request: FastifyRequest, token: string): boolean {
  const given = /^Bearer ([\x21-\x7e]+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
  return timingSafeEqual(digest(given), digest(token));
}

/**
 * The admin API, a fastify plugin for `/api/v1`: every request needs the bearer token and counts
 * against a per-client rate; bodies are JSON only; every route is described by JSON schemas,
 * which validate its input, write its output, and make the OpenAPI document at `/openapi.json`.
 */
export function adminApi(ctx: ApiContext) {
  return async function api(app: FastifyInstance): Promise<void> {
    // Only JSON: the web's form parsers do not apply here.
    // An empty body is no body (clients that label every request JSON): a route that needs one says so.
    app.removeAllContentTypeParsers();
    const json = app.getDefaultJsonParser('error', 'error');
    app.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: API_BODY_LIMIT }, (request, body, done) =>
      body === '' ? done(null, undefined) : json(request, String(body), done),
    );

    for (const schema of [errorSchema, subscriberSchema, issueSchema]) app.addSchema(schema);
    await app.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: 'paperboy admin API', version: '1', description: 'The list, the issues and dispatches of a paperboy newsletter.' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'PAPERBOY_ADMIN_TOKEN' } } },
        security: [{ bearer: [] }],
      },
      refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `schema${i}`) },
    });

    // Every request counts against its client's rate, wrong tokens too; the token is checked
    // before the body is read, so nothing about the input is told to a client without it.
    app.addHook('onRequest', app.rateLimit({ max: ctx.rate, timeWindow: '1 minute' }));
    app.addHook('preParsing', async (request, reply) => {
      if (!authorized(request, ctx.token)) {
        reply.header('www-authenticate', 'Bearer');
        return sendError(reply, 401, 'Unauthorized');
      }
      return undefined;
    });
    app.addHook('onSend', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
    });

    app.setNotFoundHandler((request, reply) =>
      sendError(reply, 404, `${request.method} ${request.url.split('?')[0]}: there is no such route in the admin API`),
    );
    app.setErrorHandler((error: FastifyError, request, reply) => {
      if (error.validation) {
        const { field, message } = describeInvalid(error);
        return sendError(reply, 400, message, field);
      }
      if (error instanceof DatabaseBusyError || isBusy(error)) {
        reply.header('retry-after', '10');
        return sendError(reply, 503, 'the database is busy: try again in a few seconds');
      }
      const status = error.statusCode ?? 500;
      if (status === 429) return sendError(reply, 429, 'too many requests: try again in a minute');
      if (status === 413) return sendError(reply, 413, `body: larger than ${API_BODY_LIMIT} bytes`, 'body');
      if (status === 415) return sendError(reply, 415, 'body: send JSON, with content-type: application/json', 'body');
      if (status === 400) return sendError(reply, 400, 'body: is not valid JSON', 'body');
      if (status < 500) return sendError(reply, status, 'the request could not be read');
      request.log.error({ error, method: request.method, route: request.routeOptions.url ?? 'unknown' }, 'server error');
      return sendError(reply, 500, 'something went wrong on the server: see its log');
    });

    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
    subscriberRoutes(app, ctx);
    issueRoutes(app, ctx);
  };
}
