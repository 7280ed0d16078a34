import { escapeHtml } from './inline.ts';
import type { Site } from './view.ts';

/** A page of the site for the sitemap: its URL and the day it last changed. */
export interface SitemapEntry {
  url: string;
  lastmod: string | undefined;
}

/** `sitemap.xml` (sitemaps.org 0.9): every page, with the date of what it shows. */
export function renderSitemap(entries: readonly SitemapEntry[]): string {
  const urls = entries.map((e) => `  <url><loc>${escapeHtml(e.url)}</loc>${e.lastmod ? `<lastmod>${e.lastmod}</lastmod>` : ''}</url>`);
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' +
    `${urls.join('\n')}\n</urlset>\n`
  );
}

/** `robots.txt`: everything may be crawled but the search page, and the sitemap is named. */
export function renderRobots(site: Site): string {
  return `User-agent: *\nDisallow: ${new URL(site.url).pathname.replace(/\/+$/, '')}/search.html\n\nSitemap: ${site.url}/sitemap.xml\n`;
}
