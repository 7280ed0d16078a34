import { request as httpRequest } from 'node:http';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { createStaticFiles } from '../../src/web/static-files.ts';
import { seeded } from '../helpers/random.ts';
import { startWeb } from '../helpers/web.ts';

const web = await startWeb();
afterAll(() => web.close());

// A GET with the path sent exactly as written (fetch() would tidy "../" away), redirects not followed.
function rawGet(path: string): Promise<{ status: number; body: string; location?: string | undefined; type?: string | undefined }> {
  const { port } = new URL(web.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body, location: res.headers.location, type: res.headers['content-type'] }),
      );
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
      '/pagefind/2031-02-01/pagefind-entry.json': 'application/json; charset=utf-8',
      '/pagefind/2031-02-01/pagefind.js': 'text/javascript; charset=utf-8',
      '/sitemap.xml': 'application/xml; charset=utf-8',
      '/robots.txt': 'text/plain; charset=utf-8',
      '/favicon.svg': 'image/svg+xml',
      '/favicon.ico': 'image/x-icon',
    };
    for (const [path, type] of Object.entries(types)) {
      const response = await fetch(`${web.url}${path}`, { headers: { 'accept-encoding': 'identity' } });
      expect([path, response.status, response.headers.get('content-type')]).toEqual([path, 200, type]);
      expect(response.headers.get('cache-control')).toMatch(/^public, max-age=\d+$/);
      // Read to the end: a body left unread holds its connection open, and the server's close waits.
      await response.arrayBuffer();
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
    expect(
      (await fetch(`${web.url}/feeds/atom.xml`, { headers: { 'if-none-match': `"other", ${etag}`, 'accept-encoding': 'identity' } }))
        .status,
    ).toBe(304);
    expect((await fetch(`${web.url}/feeds/atom.xml`, { headers: { 'if-modified-since': lastModified } })).status).toBe(304);
    expect(
      (await fetch(`${web.url}/feeds/atom.xml`, { headers: { 'if-none-match': '"stale"', 'accept-encoding': 'identity' } })).status,
    ).toBe(200);
    expect((await fetch(`${web.url}/feeds/atom.xml`, { headers: { 'if-modified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' } })).status).toBe(
      200,
    );
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
    expect(gunzipSync(response.body).toString()).toBe(await web.read('feeds/rss.xml'));
  });

  it('let only the search page and its index run scripts and WebAssembly', async () => {
    const policy = async (path: string) => {
      const response = await fetch(`${web.url}${path}`);
      await response.arrayBuffer();
      return response.headers.get('content-security-policy') ?? '';
    };
    expect(await policy('/search.html')).toContain("script-src 'self' 'wasm-unsafe-eval'");
    expect(await policy('/pagefind/2031-02-01/pagefind-worker.js')).toContain("connect-src 'self'");
    for (const path of ['/issues/2031-02-03.html', '/topics/index.html', '/'])
      expect(await policy(path)).toMatch(/^default-src 'none'; style-src 'self'/);
  });

  it('answer 304 for the new pages too', async () => {
    for (const path of ['/topics/robotics.html', '/archive/index.html', '/sitemap.xml', '/favicon.ico']) {
      const first = await fetch(`${web.url}${path}`, { headers: { 'accept-encoding': 'identity' } });
      const again = await fetch(`${web.url}${path}`, {
        headers: { 'if-none-match': first.headers.get('etag') ?? '', 'accept-encoding': 'identity' },
      });
      expect([path, again.status]).toEqual([path, 304]);
    }
  });

  it('are never served from outside the published folders', async () => {
    for (const path of [
      '/feeds/../../etc/passwd',
      '/feeds/%2e%2e/%2e%2e/etc/passwd',
      '/issues/..%2f..%2fpackage.json',
      '/archive/%00',
      '/feeds/%E0%A4%A',
      '/topics/../../etc/passwd',
      '/pagefind/%2e%2e/%2e%2e/package.json',
      '/topics/..%2f.build-manifest.json',
    ]) {
      const response = await rawGet(path);
      expect([path, response.status]).toEqual([path, 400]);
      expect(response.body).not.toContain('root:');
    }
    expect((await rawGet('/email/2031-02-03.html')).status).toBe(404);
    expect((await rawGet('/.build-manifest.json')).status).toBe(404);
    expect((await rawGet('/feeds/nothing-here.xml')).status).toBe(404);
  });

  it('serve a folder with an index.html at its address with a final slash, and send the address without it there', async () => {
    for (const folder of ['archive', 'topics']) {
      const index = await rawGet(`/${folder}/index.html`);
      const slash = await rawGet(`/${folder}/`);
      expect([folder, slash.status, slash.type]).toEqual([folder, 200, 'text/html; charset=utf-8']);
      expect(slash.body).toBe(index.body);
      const bare = await rawGet(`/${folder}`);
      expect([folder, bare.status, bare.location]).toEqual([folder, 301, `./${folder}/`]);
      expect(new URL(bare.location ?? '', `${web.url}/${folder}`).href).toBe(`${web.url}/${folder}/`);
    }
    expect((await rawGet('/topics?page=2')).location).toBe('./topics/?page=2');
    // A topic page an earlier version made (pages counted from the newest) leads to the topic's front page.
    expect(await rawGet('/topics/robotics/7.html')).toMatchObject({ status: 302, location: '../robotics.html' });
    expect((await rawGet('/topics/no-such-topic/7.html')).status).toBe(404);
    // Followed by a client, the redirect lands on the page.
    const followed = await fetch(`${web.url}/archive`);
    expect([followed.status, followed.url, followed.redirected]).toEqual([200, `${web.url}/archive/`, true]);
    expect(await followed.text()).toContain('<html');
    // Any folder of a published folder that has an index.html, not only the top ones.
    await mkdir(join(web.outDir, 'archive', 'older'), { recursive: true });
    await writeFile(join(web.outDir, 'archive', 'older', 'index.html'), '<!doctype html><title>older</title>');
    expect(await rawGet('/archive/older/')).toMatchObject({ status: 200, body: '<!doctype html><title>older</title>' });
    expect(await rawGet('/archive/older')).toMatchObject({ status: 301, location: './older/' });
    // A folder without an index.html is no page; nor is a folder outside the published ones.
    for (const path of ['/feeds/', '/feeds', '/feeds/tags/', '/email/', '/email', '/outbox/', '/archive/missing/']) {
      expect([path, (await rawGet(path)).status]).toEqual([path, 404]);
    }
    for (const path of ['/archive/../', '/archive/..', '/topics/%2e%2e/', '/archive/%2e%2e%2f%2e%2e%2f', '/archive//..//']) {
      const response = await rawGet(path);
      expect([path, response.status]).toEqual([path, 400]);
      expect(response.location).toBeUndefined();
    }
  });

  it('are gone once deleted from out/: 404, and no longer held in memory', async () => {
    const path = join(web.outDir, 'feeds', 'removed.xml');
    await writeFile(path, `<rss>${'<item>an item</item>'.repeat(200)}</rss>`);
    const before = await fetch(`${web.url}/feeds/removed.xml`);
    expect([before.status, (await before.text()).length]).toEqual([200, 4011]);
    const files = createStaticFiles(web.outDir);
    expect((await files.respond(path, {}))?.status).toBe(200);
    expect(files.held().files).toBe(1);
    await rm(path);
    const after = await fetch(`${web.url}/feeds/removed.xml`);
    expect([after.status, await after.text()]).toEqual([404, expect.stringContaining('There is no such file here.')]);
    expect(await files.respond(path, {})).toBeUndefined();
    expect(files.held()).toEqual({ files: 0, bytes: 0 });
  });

  it('serve the search index as Pagefind wrote it (gzip already), not compressed again', async () => {
    const wasm = await readFile(join(web.outDir, 'pagefind', '2031-02-01', 'wasm.en.pagefind'));
    const response = await fetch(`${web.url}/pagefind/2031-02-01/wasm.en.pagefind`, { headers: { 'accept-encoding': 'gzip, br' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-encoding')).toBeNull();
    expect(Buffer.from(await response.arrayBuffer()).equals(wasm)).toBe(true);
  });
});

describe('the files of out/ held in memory', () => {
  // Words in a seeded order: text that compresses as pages do, different in every file.
  function text(seed: number, bytes: number): string {
    const next = seeded(seed);
    const words = ['paper', 'model', 'robot', 'learning', 'kite', 'graph', 'token', 'vision', 'language', 'scaling', 'routing', 'agent'];
    let out = '';
    while (out.length < bytes) out += `${words[Math.floor(next() * words.length)]}${next() < 0.1 ? '.\n' : ' '}`;
    return out;
  }

  it('stay within their bound however many files are served, the least recently served leaving first', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'paperboy-static-'));
    await mkdir(join(outDir, 'issues'));
    const files = createStaticFiles(outDir, { maxBytes: 40_000 });
    const paths: string[] = [];
    for (let i = 0; i < 150; i++) {
      const path = join(outDir, 'issues', `issue-${i}.txt`);
      await writeFile(path, text(i, 3000));
      paths.push(path);
      const response = await files.respond(path, { acceptEncoding: 'br, gzip' });
      expect(response?.headers['content-encoding']).toBe('br');
      expect(files.held().bytes).toBeLessThanOrEqual(40_000);
    }
    expect(files.held().files).toBeGreaterThan(1);
    expect(files.held().files).toBeLessThan(150);
    // The first file was let go; asked for again, it is read again, whole.
    const again = await files.respond(paths[0] as string, { acceptEncoding: 'gzip' });
    expect(gunzipSync(again?.body ?? Buffer.alloc(0)).toString()).toBe(text(0, 3000));
  });

  it('compress a large file without holding up the server', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'paperboy-static-'));
    await mkdir(join(outDir, 'archive'));
    const path = join(outDir, 'archive', 'large.md');
    const body = text(7, 4_000_000);
    await writeFile(path, body);
    const files = createStaticFiles(outDir);
    let longest = 0;
    const started = performance.now();
    let last = started;
    const ticks = setInterval(() => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
    }, 5);
    const response = await files.respond(path, { acceptEncoding: 'br' }).finally(() => {
      clearInterval(ticks);
      longest = Math.max(longest, performance.now() - last);
    });
    // Compressing in the same thread would stop the clock for all of it; off the thread, it ticks on.
    // A loaded machine may pause the process now and then, so a pause counts only past a third of it.
    const total = performance.now() - started;
    expect(longest).toBeLessThan(Math.max(250, total / 3));
    expect(response?.headers['content-encoding']).toBe('br');
    expect(brotliDecompressSync(response?.body ?? Buffer.alloc(0)).toString()).toBe(body);
  });
});
