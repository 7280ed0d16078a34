import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { escapeHtml } from '../../render/index.ts';
import { csrfToken } from '../csrf.ts';
import { sendPage, type WebContext } from '../context.ts';
import type { createStaticFiles } from '../static-files.ts';
import { conditional } from './static.ts';

// The built home page is static; here its subscribe form also carries the form token, for the
// few clients that send neither Origin nor Sec-Fetch-Site.
function withFormToken(html: string, token: string): string {
  return html.replace(/(<form class="subscribe"[^>]*>)/, `$1<input type="hidden" name="csrf" value="${escapeHtml(token)}">`);
}

/** `/`: the home page as the build made it (strong ETag, 304), with the form token added. */
export function homeRoute(app: FastifyInstance, ctx: WebContext, files: ReturnType<typeof createStaticFiles>): void {
  app.get('/', async (request, reply) => {
    const token = csrfToken(ctx.secret, ctx.now().getTime());
    const response = await files.respond(join(ctx.outDir, 'index.html'), conditional(request), {
      name: token,
      transform: (html) => withFormToken(html, token),
    });
    if (!response) {
      return sendPage(ctx, reply, 503, {
        title: 'Nothing published yet',
        problem: true,
        paragraphs: ['The site has not been built yet. Please come back in a few minutes.'],
      });
    }
    reply.code(response.status).headers(response.headers);
    return response.body === undefined ? reply.send() : reply.send(response.body);
  });
}
