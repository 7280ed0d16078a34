import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createStaticFiles, type ConditionalRequest } from '../static-files.ts';
import { sendNotice, type WebContext } from '../context.ts';

/** The headers of a request that a static response depends on. */
export function conditional(request: FastifyRequest): ConditionalRequest {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  return { ifNoneMatch: header('if-none-match'), ifModifiedSince: header('if-modified-since'), acceptEncoding: header('accept-encoding') };
}

/** The published folders of out/: feeds, issue pages, the Markdown archive, the stylesheet. */
export function staticRoutes(app: FastifyInstance, ctx: WebContext, files: ReturnType<typeof createStaticFiles>): void {
  for (const folder of ['feeds', 'issues', 'archive', 'assets']) {
    app.get(`/${folder}/*`, async (request, reply) => {
      const path = files.resolve(request.url.split('?')[0] ?? '');
      if (typeof path !== 'string') {
        return sendNotice(ctx, reply, path.status, { title: path.status === 404 ? 'Not found' : 'Bad request', problem: true, paragraphs: [`That address: ${path.message}.`] });
      }
      const response = await files.respond(path, conditional(request));
      if (!response) return sendNotice(ctx, reply, 404, { title: 'Not found', problem: true, paragraphs: ['There is no such file here.'], links: [{ href: `${ctx.site.url}/`, text: 'All issues' }] });
      reply.code(response.status).headers(response.headers);
      return response.body === undefined ? reply.send() : reply.send(response.body);
    });
  }
}
