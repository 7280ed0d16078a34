import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type createStaticFiles, PUBLISHED_FILES, PUBLISHED_FOLDERS, type ConditionalRequest } from '../static-files.ts';
import { sendPage, type WebContext } from '../context.ts';

/** The headers of a request that a static response depends on. */
export function conditional(request: FastifyRequest): ConditionalRequest {
  const header = (name: string) => {
    const value = request.headers[name];
    return Array.isArray(value) ? value.join(', ') : value;
  };
  return { ifNoneMatch: header('if-none-match'), ifModifiedSince: header('if-modified-since'), acceptEncoding: header('accept-encoding') };
}

// The search page runs the search index's script and WebAssembly, and its worker fetches the index:
// those responses allow that much more than the site's default policy, and no more.
const SEARCH_POLICY =
  "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'; connect-src 'self'; " +
  "style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const OLD_TOPIC_PAGE = /\/topics\/([a-z0-9-]+)\/\d+\.html$/;

/** The published folders and files of out/: feeds, pages, archives, topics, the search index, assets, sitemap, icons. */
export function staticRoutes(app: FastifyInstance, ctx: WebContext, files: ReturnType<typeof createStaticFiles>): void {
  const searchPolicy = async (_request: FastifyRequest, reply: FastifyReply) => {
    reply.header('content-security-policy', SEARCH_POLICY);
  };
  const routes = [
    ...Object.keys(PUBLISHED_FOLDERS).flatMap((folder) => [`/${folder}`, `/${folder}/*`]),
    ...Object.keys(PUBLISHED_FILES).map((file) => `/${file}`),
  ];
  for (const route of routes) {
    const searching = route === '/search.html' || route === '/pagefind/*';
    app.get(route, searching ? { onSend: searchPolicy } : {}, async (request, reply) => {
      const [urlPath = '', query] = request.url.split(/\?(.*)/s);
      const path = files.resolve(urlPath);
      if (typeof path !== 'string') {
        return sendPage(ctx, reply, path.status, {
          title: path.status === 404 ? 'Not found' : 'Bad request',
          problem: true,
          paragraphs: [`That address: ${path.message}.`],
        });
      }
      const response = await files.respond(path, conditional(request));
      // A folder asked for without its final slash: the address with it, relative, so it holds behind a proxy's prefix too.
      if (!response && !urlPath.endsWith('/') && (await files.isFolderWithIndex(path))) {
        return reply.redirect(`./${urlPath.slice(urlPath.lastIndexOf('/') + 1)}/${query === undefined ? '' : `?${query}`}`, 301);
      }
      // A topic's page that is no longer made (pages were once counted from the newest): its front page.
      const topic = response ? undefined : OLD_TOPIC_PAGE.exec(urlPath)?.[1];
      if (topic !== undefined) {
        const front = files.resolve(`/topics/${topic}.html`);
        if (typeof front === 'string' && (await files.respond(front, {}))) return reply.redirect(`../${topic}.html`, 302);
      }
      if (!response)
        return sendPage(ctx, reply, 404, {
          title: 'Not found',
          problem: true,
          paragraphs: ['There is no such file here.'],
          links: [{ href: `${ctx.site.url}/`, text: 'All issues' }],
        });
      reply.code(response.status).headers(response.headers);
      return response.body === undefined ? reply.send() : reply.send(response.body);
    });
  }
}
