import formBody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import rateLimit from '@fastify/rate-limit';
import { adminApi } from '../api/index.ts';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply } from 'fastify';
import type { TrustProxy } from '../config.ts';
import { DatabaseBusyError, isBusy } from '../db/index.ts';
import { silentLogger } from '../log.ts';
import { frameworkLogger, RequestLog } from './_log.ts';
import { sendPage, type WebContext } from './context.ts';
import { createStaticFiles } from './static-files.ts';
import { homeRoute } from './routes/home.ts';
import { linkRoutes } from './routes/links.ts';
import { operationRoutes } from './routes/operations.ts';
import { staticRoutes } from './routes/static.ts';
import { subscribeRoute } from './routes/subscribe.ts';

/** The largest request body taken: a form with an address and a few topics is far smaller. */
export const BODY_LIMIT = 16 * 1024;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
};

// Whom the framework believes about the client's address. A hop count trusts that many proxies in
// front whatever their address (the framework's own reading of a number trusts none).
function proxyTrust(setting: TrustProxy | undefined): false | string[] | ((address: string, hop: number) => boolean) {
  if (setting === undefined || setting === false) return false;
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return [...setting];
}

/** Builds the web server (not yet listening): subscription pages, the feeds and the archive. */
export async function createServer(ctx: WebContext): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: BODY_LIMIT,
    // A field a schema does not know is refused, never dropped in silence (the admin API's schemas).
    ajv: { customOptions: { removeAdditional: false } },
    loggerInstance: frameworkLogger(ctx.log ?? silentLogger),
    // One line per event worth telling, not two per request.
    logController: new RequestLog(),
    trustProxy: proxyTrust(ctx.trustProxy),
    // A path the router cannot even read (`/feeds/%ZZ`) gets the site's own page, never an echo of it.
    frameworkErrors: (_error, _request, reply) => {
      reply.headers(SECURITY_HEADERS);
      const badRequest = {
        title: 'Bad request',
        problem: true,
        paragraphs: ['That address is not a valid web address.'],
        links: [{ href: `${ctx.site.url}/`, text: 'Go to the home page' }],
      };
      // Should the page itself fail (templates unreadable), a plain answer still goes out.
      const page: FastifyReply = reply;
      sendPage(ctx, page, 400, badRequest).catch(() => page.code(400).type('text/plain; charset=utf-8').send('Bad request\n'));
    },
  });
  await app.register(formBody, { bodyLimit: BODY_LIMIT });
  // Some mail providers post the RFC 8058 one-click body as multipart/form-data.
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fields: 20, fieldSize: 1024, files: 0, fileSize: 0, parts: 20 },
  });
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => ({
      statusCode: 429,
      error: 'Too Many Requests',
      message: `too many requests: try again in ${context.after}`,
    }),
  });

  app.addHook('onSend', async (_request, reply) => {
    reply.headers(SECURITY_HEADERS);
  });
  app.addHook('onResponse', async (request, reply) => {
    ctx.metrics.request(request.routeOptions.url ?? 'unknown', reply.statusCode);
  });

  app.setNotFoundHandler((request, reply) =>
    sendPage(ctx, reply, 404, {
      title: 'Not found',
      problem: true,
      paragraphs: [`There is nothing at this address.`],
      links: [{ href: `${ctx.site.url}/`, text: 'Go to the home page' }],
    }).then(() => request.log.debug('not found')),
  );

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof DatabaseBusyError || isBusy(error)) {
      reply.header('retry-after', '10');
      return sendPage(ctx, reply, 503, {
        title: 'Busy for a moment',
        problem: true,
        paragraphs: ['The list is being updated right now. Please try again in a few seconds: nothing was lost.'],
      });
    }
    const status = error.statusCode ?? 500;
    if (status >= 500) request.log.error({ error, method: request.method, route: request.routeOptions.url ?? 'unknown' }, 'server error');
    const message =
      status === 413
        ? 'The request is too large.'
        : status === 415
          ? 'The form was sent in a way this site does not read.'
          : status === 429
            ? 'Too many requests from your address: please wait a minute and try again.'
            : status < 500
              ? 'The request could not be read.'
              : 'Something went wrong on our side. Please try again later.';
    return sendPage(ctx, reply, status, {
      title: status < 500 ? 'That did not work' : 'Server error',
      problem: true,
      paragraphs: [message],
    });
  });

  const files = createStaticFiles(ctx.outDir);
  homeRoute(app, ctx, files);
  subscribeRoute(app, ctx);
  linkRoutes(app, ctx);
  staticRoutes(app, ctx, files);
  operationRoutes(app, ctx);
  if (ctx.api) await app.register(adminApi(ctx.api), { prefix: '/api/v1' });
  return app;
}
