import { execFileSync } from 'node:child_process';
import { mkdir, readFile, rename, symlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { has } from '../helpers/peers.ts';
import { startWeb } from '../helpers/web.ts';

const web = await startWeb();
afterAll(() => web.close());

const out = web.outDir;
// A state folder beside out/, as data/ is beside it in a project.
const data = join(dirname(out), 'data');
const SECRET_TEXT = 'the-secret-that-signs-every-token';
await mkdir(data, { recursive: true });
await writeFile(join(data, 'secret'), SECRET_TEXT);
await writeFile(join(data, 'paperboy.db'), 'SQLite format 3\0 rows of addresses');
await mkdir(join(out, 'outbox'), { recursive: true });
await writeFile(join(out, 'outbox', 'ann.eml'), 'To: ann@example.org\r\n\r\nhttps://x/unsubscribe?token=u1-0-secret\r\n');

// A link put in place of `path` at once, as `ln -sfn` does it: made beside it, then renamed over it.
async function replaceWithLink(target: string, path: string): Promise<void> {
  await symlink(target, `${path}.new-link`);
  await rename(`${path}.new-link`, path);
}

// Each answer within a few seconds: a pipe opened for reading would hang the request.
async function get(path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`${web.url}${path}`, { signal: AbortSignal.timeout(5000) });
  return { status: response.status, body: await response.text() };
}

describe('links under out/', () => {
  it('to a file outside out/ are not followed: 404, and nothing of the file is sent', async () => {
    await symlink(join(data, 'secret'), join(out, 'feeds', 'secret.xml'));
    await symlink('../../data/paperboy.db', join(out, 'issues', 'db.html'));
    await symlink('/etc/passwd', join(out, 'archive', 'passwd.md'));
    for (const path of ['/feeds/secret.xml', '/issues/db.html', '/archive/passwd.md']) {
      const { status, body } = await get(path);
      expect([path, status]).toEqual([path, 404]);
      expect(body).not.toContain(SECRET_TEXT);
      expect(body).not.toContain('rows of addresses');
      expect(body).not.toContain('root:');
    }
  });

  it('to a folder outside out/ are not followed', async () => {
    await symlink(data, join(out, 'archive', 'state'));
    await symlink('/etc', join(out, 'topics', 'etc'));
    for (const path of ['/archive/state/secret', '/archive/state/paperboy.db', '/topics/etc/passwd', '/topics/etc/hostname']) {
      const { status, body } = await get(path);
      expect([path, status]).toEqual([path, 404]);
      expect(body).not.toContain(SECRET_TEXT);
      expect(body).not.toContain('root:');
    }
  });

  it('to a place of out/ that is not published (the outbox) are not followed', async () => {
    await symlink('../outbox/ann.eml', join(out, 'feeds', 'mail.xml'));
    await symlink(join(out, 'outbox'), join(out, 'issues', 'outbox'));
    for (const path of ['/feeds/mail.xml', '/issues/outbox/ann.eml']) {
      const { status, body } = await get(path);
      expect([path, status]).toEqual([path, 404]);
      expect(body).not.toContain('ann@example.org');
    }
  });

  it.runIf(has('processes'))('to a pipe or a folder, and a pipe or a folder itself, get 404 at once', async () => {
    execFileSync('mkfifo', [join(out, 'feeds', 'pipe.xml')]);
    await symlink('pipe.xml', join(out, 'feeds', 'to-pipe.xml'));
    await mkdir(join(out, 'feeds', 'folder.xml'));
    await symlink('../issues', join(out, 'feeds', 'to-folder.xml'));
    for (const path of ['/feeds/pipe.xml', '/feeds/to-pipe.xml', '/feeds/folder.xml', '/feeds/to-folder.xml']) {
      expect([path, (await get(path)).status]).toEqual([path, 404]);
    }
    // The server still answers.
    expect((await get('/feeds/rss.xml')).status).toBe(200);
  });

  it('a file swapped for a link after it was served is no longer served', async () => {
    const path = join(out, 'issues', 'swapped.html');
    await writeFile(path, '<p>first</p>');
    expect(await get('/issues/swapped.html')).toEqual({ status: 200, body: '<p>first</p>' });
    await replaceWithLink(join(data, 'secret'), path);
    const { status, body } = await get('/issues/swapped.html');
    expect(status).toBe(404);
    expect(body).not.toContain(SECRET_TEXT);
  });

  it('to a published file of out/ are served as that file', async () => {
    await symlink('rss.xml', join(out, 'feeds', 'latest.xml'));
    const latest = await get('/feeds/latest.xml');
    expect(latest.status).toBe(200);
    expect(latest.body).toBe(await readFile(join(out, 'feeds', 'rss.xml'), 'utf8'));
  });

  it('in place of the home page are not followed', async () => {
    await replaceWithLink(join(data, 'secret'), join(out, 'index.html'));
    const { status, body } = await get('/');
    expect(status).toBe(503);
    expect(body).not.toContain(SECRET_TEXT);
  });
});
