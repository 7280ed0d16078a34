import type { FastifyInstance } from 'fastify';
import { plainText } from '../../render/_inline.ts';
import { countText, displayDate, issueView, siteUrls, slugify } from '../../render/_view.ts';
import { csrfToken } from '../_csrf.ts';
import type { WebContext } from '../_context.ts';

/** `/`: the newsletter's name, the latest issue's titles, the subscribe form, every issue, the feeds. */
export function homeRoute(app: FastifyInstance, ctx: WebContext): void {
  app.get('/', async (_request, reply) => {
    const [templates, data] = await Promise.all([ctx.templates(), ctx.siteData()]);
    const urls = siteUrls(ctx.site);
    const newest = data.digests.at(-1);
    const latest = newest && issueView(newest, ctx.site);
    const html = templates.index({
      site: ctx.site,
      feeds: urls.feeds,
      csrf: csrfToken(ctx.secret),
      latest: latest && { webUrl: latest.webUrl, displayDate: latest.displayDate, papers: latest.papers },
      issues: [...data.digests].reverse().map((d) => ({
        date: d.date,
        displayDate: displayDate(d.date),
        count: d.papers.length,
        countText: countText(d.papers.length),
        webUrl: urls.issue(d.date),
        lead: plainText(d.papers[0]?.title ?? ''),
      })),
      tags: data.tags.map((name) => ({ name, slug: slugify(name), feedUrl: urls.tagFeed(slugify(name)) })),
    });
    return reply.header('content-type', 'text/html; charset=utf-8').header('cache-control', 'no-store').send(html);
  });
}
