import type { FastifyInstance } from 'fastify';
import { sitePagesInput } from '../../build/_pages.ts';
import { issueView, siteUrls } from '../../render/_view.ts';
import { csrfToken } from '../_csrf.ts';
import type { WebContext } from '../_context.ts';

/** `/`: the newsletter's name, the latest issue's titles, the subscribe form, every issue, the feeds. */
export function homeRoute(app: FastifyInstance, ctx: WebContext): void {
  app.get('/', async (_request, reply) => {
    const [templates, data] = await Promise.all([ctx.templates(), ctx.siteData()]);
    const byDate = new Map(data.digests.map((d) => [d.date, d]));
    const pages = sitePagesInput(data.digests, (date) => issueView(byDate.get(date) ?? { date, papers: [], warnings: [] }, ctx.site), ctx.site);
    const latest = pages.latest === undefined ? undefined : pages.viewOf(pages.latest);
    const html = templates.index({
      site: ctx.site,
      feeds: siteUrls(ctx.site).feeds,
      csrf: csrfToken(ctx.secret),
      latest: latest && { webUrl: latest.webUrl, displayDate: latest.displayDate, papers: latest.papers },
      issues: pages.summary.issues,
      tags: pages.summary.tags,
    });
    return reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
  });
}
