import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { WebContext } from '../context.ts';

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** `/healthz` for load balancers and container health checks, and `/metrics` for Prometheus (with a bearer token). */
export function operationRoutes(app: FastifyInstance, ctx: WebContext): void {
  app.get('/healthz', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    try {
      return reply.code(200).send({ status: 'ok', database: 'ok', ...(await ctx.health()) });
    } catch (error) {
      return reply.code(503).send({ status: 'unavailable', database: (error as Error).message });
    }
  });

  app.get('/metrics', async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (ctx.metricsToken === undefined)
      return reply.code(404).type('text/plain; charset=utf-8').send('metrics are off: set PAPERBOY_METRICS_TOKEN to turn them on\n');
    const given = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
    if (!sameToken(given, ctx.metricsToken)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="paperboy metrics"')
        .type('text/plain; charset=utf-8')
        .send('a bearer token is needed\n');
    }
    const { contentType, text } = await ctx.metrics.render();
    return reply.code(200).type(contentType).send(text);
  });
}
