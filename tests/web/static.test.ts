import { request as httpRequest } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { startWeb } from '../helpers/web.ts';

const web = await startWeb();
afterAll(() => web.close());

// A GET with the path sent exactly as written: fetch() would tidy "../" away before sending.
function rawGet(path: string): Promise<{ status: number; body: string }> {
  const { port } = new URL(web.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the files of out/', () => {
  it('come with the right content types', async () => {
    const types: Record<string, string> = {
      '/feeds/rss.xml': 'application/rss+xml; charset=utf-8',
      '/feeds/atom.xml': 'application/atom+xml; charset=utf-8',
      '/feeds/feed.json': 'application/feed+json; charset=utf-8',
      '/feeds/tags/robotics.rss.xml': 'application/rss+xml; charset=utf-8',
      '/feeds/tags/robotics.atom.xml': 'application/atom+xml; charset=utf-8',
      '/feeds/tags/robotics.json': 'application/feed+json; charset=utf-8',
      '/archive/2031-02-03.md': 'text/markdown; charset=utf-8',
      '/archive/README.md': 'text/markdown; charset=utf-8',
      '/issues/2031-02-03.html': 'text/html; charset=utf-8',
      '/issues/2031-02-03.txt': 'text/plain; charset=utf-8',
      '/assets/site.css': 'text/css; charset=utf-8',
      '/assets/search.js': 'text/javascript; charset=utf-8',
      '/archive/index.html': 'text/html; charset=utf-8',
      '/topics/index.html': 'text/html; charset=utf-8',
      '/topics/robotics.html': 'text/html; charset=utf-8',
      '/feeds/topics.opml': 'text/x-opml; charset=utf-8',
      '/search.html': 'text/html; charset=utf-8',
      '/pagefind/2031/pagefind-entry.json': 'application/json; charset=utf-8',
      '/pagefind/2031/pagefind.js': 'text/javascript; charset=utf-8',
      '/sitemap.xml': 'application/xml; charset=utf-8',
      '/robots.txt': 'text/plain; charset=utf-8',
      '/favicon.svg': 'image/svg+xml',
      '/favicon.ico': 'image/x-icon',
    };
    for (const [path, type] of Object.entries(types)) {
      const response = await fetch(`${web.url}${path}`, { headers: { 'accept-encoding': 'identity' } });
      expect([path, response.status, response.headers.get('content-type')]).toEqual([path, 200, type]);
      expect(response.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
    }
  });

  it('have a strong ETag and Last-Modified, and answer 304 to either condition', async () => {
    const first = await fetch(`${web.url}/feeds/atom.xml`, { headers: { 'accept-encoding': 'identity' } });
    const etag = first.headers.get('etag') ?? '';
    const lastModified = first.headers.get('last-modified') ?? '';
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(new Date(lastModified).getTime()).toBeGreaterThan(0);
    const byTag = await fetch(`${web.url}/feeds/atom.xml`, { headers: { 'if-none-match': etag, 'accept-encoding': 'identity' } });
    expect(byTag.status).toBe(304);
    expect(await byTag.text()).toBe('');
    expect((await fetch(`${web.url}/feeds/atom.xml`, { headers: { 'if-none-match': `"other", ${etag}`, 'accept-encoding': 'identity' } })).status).toBe(304);
    expect((await fetch(`${web.url}/feeds/atom.xml`, { headers: { 'if-modified-since': lastModified } })).status).toBe(304);
    expect((await fetch(`${web.url}/feeds/atom.xml`, { headers: { 'if-none-match': '"stale"', 'accept-encoding': 'identity' } })).status).toBe(200);
    expect((await fetch(`${web.url}/feeds/atom.xml`, { headers: { 'if-modified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' } })).status).toBe(200);
  });

  it('are compressed for clients that ask, with their own ETag', async () => {
    const { port } = new URL(web.url);
    const response = await new Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port, path: '/feeds/rss.xml', headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      });
      req.on('error', reject);
      req.end();
    });
    expect(response.headers['content-encoding']).toBe('gzip');
    expect(response.headers.vary).toBe('Accept-Encoding');
    expect(response.headers.etag).toMatch(/-gzip"$/);
    expect(gunzipSync(response.body).toString()).toBe(await web.site.read('feeds/rss.xml'));
  });

  it('let only the search page and its index run scripts and WebAssembly', async () => {
    const policy = async (path: string) => (await fetch(`${web.url}${path}`)).headers.get('content-security-policy') ?? '';
    expect(await policy('/search.html')).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(await policy('/pagefind/2031/pagefind-worker.js')).toContain("connect-src 'self'");
    for (const path of ['/issues/2031-02-03.html', '/topics/index.html', '/']) expect(await policy(path)).toMatch(/^default-src 'none'; style-src 'self'/);
  });

  it('answer 304 for the new pages too', async () => {
    for (const path of ['/topics/robotics.html', '/archive/index.html', '/sitemap.xml', '/favicon.ico']) {
      const first = await fetch(`${web.url}${path}`, { headers: { 'accept-encoding': 'identity' } });
      const again = await fetch(`${web.url}${path}`, { headers: { 'if-none-match': first.headers.get('etag') ?? '', 'accept-encoding': 'identity' } });
      expect([path, again.status]).toEqual([path, 304]);
    }
  });

  it('are never served from outside the published folders', async () => {
    for (const path of ['/feeds/../../etc/passwd', '/feeds/%2e%2e/%2e%2e/etc/passwd', '/issues/..%2f..%2fpackage.json', '/archive/%00', '/feeds/%E0%A4%A', '/topics/../../etc/passwd', '/pagefind/%2e%2e/%2e%2e/package.json', '/topics/..%2f.build-manifest.json']) {
      const response = await rawGet(path);
      expect([path, response.status]).toEqual([path, 400]);
      expect(response.body).not.toContain('root:');
    }
    expect((await rawGet('/email/2031-02-03.html')).status).toBe(404);
    expect((await rawGet('/.build-manifest.json')).status).toBe(404);
    expect((await rawGet('/feeds/nothing-here.xml')).status).toBe(404);
  });
});
