import { existsSync, lstatSync, mkdtempSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, sqliteSql } from '../../src/db/index.ts';
import { SourceRecords } from '../../src/ledger/index.ts';
import { createSource } from '../../src/source/index.ts';
import { paperboy } from '../helpers/cli.ts';
import { digestText } from '../helpers/digest-text.ts';
import { has } from '../helpers/peers.ts';
import { gitServer, upstreamRepo, type TestServer, type UpstreamRepo } from '../helpers/upstream.ts';

describe.runIf(has('git'))('paperboy sync from a git repository', () => {
  let repo: UpstreamRepo;
  let server: TestServer;
  let project: string;
  let env: Record<string, string>;
  const digests = () => join(project, 'digests');
  const sync = () => paperboy(['sync'], { cwd: project, env });

  beforeAll(async () => {
    repo = upstreamRepo();
    server = await gitServer(join(repo.dir, '..'));
    project = mkdtempSync(join(tmpdir(), 'paperboy-sync-'));
    env = { PAPERBOY_DIGESTS_SOURCE: `git+${server.url}/papers#main:archive` };
  });
  afterAll(async () => server.stop());

  it('first sync: takes every digest under the subfolder, and nothing else', async () => {
    repo.commit({
      'archive/2024/10/03.md': digestText('2024-10-03', 2),
      'archive/2024-10-04.md': digestText('2024-10-04'),
      'archive/README.md': '# not a digest\n',
      'archive/2024/10/notes.md': 'not a day\n',
      'outside/2024/10/05.md': digestText('2024-10-05'),
    });
    repo.link('archive/2024/10/07.md', '/etc/passwd');
    const head = repo.commit({}, 'a link');
    const run = await sync();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(head);
    expect(run.stdout).toContain('added    2024/10/03.md');
    expect(run.stdout).toContain('added    2024-10-04.md');
    expect(readFileSync(join(digests(), '2024', '10', '03.md'), 'utf8')).toBe(digestText('2024-10-03', 2));
    expect(existsSync(join(digests(), '2024-10-04.md'))).toBe(true);
    expect(existsSync(join(digests(), 'README.md'))).toBe(false);
    expect(existsSync(join(digests(), '2024', '10', 'notes.md'))).toBe(false);
    expect(existsSync(join(digests(), '2024', '10', '05.md'))).toBe(false);
    expect(existsSync(join(digests(), '2024', '10', '07.md'))).toBe(false);
  });

  it('nothing new: one request for the refs, nothing written', async () => {
    const before = server.requests.length;
    const mtime = lstatSync(join(digests(), '2024', '10', '03.md')).mtimeMs;
    const run = await sync();
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/up to date at [0-9a-f]{40}/);
    expect(server.requests.length - before).toBe(1);
    expect(lstatSync(join(digests(), '2024', '10', '03.md')).mtimeMs).toBe(mtime);
  });

  it('a new day, a rewritten day and a deleted file: added, changed, and the deleted one kept', async () => {
    const head = repo.commit({
      'archive/2024/10/08.md': digestText('2024-10-08', 3),
      'archive/2024/10/03.md': digestText('2024-10-03', 2, ' (revised)'),
      'archive/2024-10-04.md': null,
    });
    const run = await sync();
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(head);
    expect(run.stdout).toContain('added    2024/10/08.md');
    expect(run.stdout).toContain('changed  2024/10/03.md');
    expect(readFileSync(join(digests(), '2024', '10', '03.md'), 'utf8')).toContain('(revised)');
    expect(existsSync(join(digests(), '2024-10-04.md'))).toBe(true);
    const parsed = await paperboy(['parse', '--json', 'digests/2024/10/08.md'], { cwd: project, env });
    expect(JSON.parse(parsed.stdout).source).toMatchObject({ origin: `${server.url}/papers@${head}` });
  });

  it('an empty file and a malformed one are reported and skipped; the others are taken', async () => {
    repo.commit({
      'archive/2024/10/09.md': '',
      'archive/2024/10/10.md': '## Papers for 2024-10-10\n\nno table here\n',
      'archive/2024/10/11.md': digestText('2024-10-11'),
      'archive/2024/10/14.md': digestText('2024-10-14', 0),
    });
    const run = await sync();
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('added    2024/10/11.md');
    expect(run.stdout).toContain('added    2024/10/14.md');
    expect(run.stderr).toContain('archive/2024/10/09.md: empty upstream');
    expect(run.stderr).toMatch(/^archive\/2024\/10\/10\.md:1: /m);
    expect(existsSync(join(digests(), '2024', '10', '09.md'))).toBe(false);
    expect(existsSync(join(digests(), '2024', '10', '10.md'))).toBe(false);
  });

  it('server down: exit 1 with one line, and status says when the last good sync was; back: syncs again', async () => {
    await server.stop();
    const down = await sync();
    expect(down.status).toBe(1);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    expect(down.stderr).toMatch(/cannot reach the server \(ECONN(REFUSED|RESET)\)/);
    const status = await paperboy(['status', '--json'], { cwd: project, env });
    const source = JSON.parse(status.stdout).source;
    expect(source.problem).toMatch(/ECONN(REFUSED|RESET)/);
    expect(typeof source.lastGoodSync).toBe('string');
    await server.restart();
    repo.commit({ 'archive/2024/10/15.md': digestText('2024-10-15') });
    const back = await sync();
    expect(back.status).toBe(0);
    expect(back.stdout).toContain('added    2024/10/15.md');
  });

  it('not a repository, or no such branch: exit 1 with one line naming the source', async () => {
    const wrong = await paperboy(['sync'], { cwd: project, env: { PAPERBOY_DIGESTS_SOURCE: `git+${server.url}/nothing#main` } });
    expect(wrong.status).toBe(1);
    expect(wrong.stderr).toMatch(/^git\+http:\/\/127\.0\.0\.1:\d+\/nothing#main: no git repository there/);
    const branch = await paperboy(['sync'], { cwd: project, env: { PAPERBOY_DIGESTS_SOURCE: `git+${server.url}/papers#gone:archive` } });
    expect(branch.status).toBe(1);
    expect(branch.stderr.trim()).toMatch(/: the repository has no branch gone$/);
  });
});

describe.runIf(has('git'))('a fetch larger than the limit', () => {
  it('is aborted with one line, and nothing is written', async () => {
    const repo = upstreamRepo();
    // Random bytes do not compress: the pack is as large as the file.
    repo.commit({ 'archive/2024/10/03.md': digestText('2024-10-03'), 'archive/blob.bin': randomBytes(600_000).toString('base64') });
    const server = await gitServer(join(repo.dir, '..'));
    try {
      const project = mkdtempSync(join(tmpdir(), 'paperboy-sync-'));
      const dataDir = join(project, 'data');
      const source = createSource(
        { kind: 'git', spec: `git+${server.url}/papers#main:archive`, url: `${server.url}/papers`, branch: 'main', subfolder: 'archive' },
        {
          digestsDir: join(project, 'digests'),
          dataDir,
          records: new SourceRecords(sqliteSql(openDatabase(dataDir))),
          now: () => new Date(),
          maxLatenessMs: 0,
          maxBytes: 200_000,
        },
      );
      await expect(source?.sync()).rejects.toThrow(/: the fetch passed 200000 bytes; aborted$/);
      expect(existsSync(join(project, 'digests', '2024', '10', '03.md'))).toBe(false);
    } finally {
      await server.stop();
    }
  });
});

describe('a git server that stops answering', () => {
  // A source over `url` whose fetch gives up after 0.3 s without a byte from the server.
  async function syncFrom(url: string): Promise<unknown> {
    const project = mkdtempSync(join(tmpdir(), 'paperboy-sync-'));
    const dataDir = join(project, 'data');
    const sql = sqliteSql(openDatabase(dataDir));
    try {
      const source = createSource(
        { kind: 'git', spec: `git+${url}#main`, url, branch: 'main', subfolder: '' },
        {
          digestsDir: join(project, 'digests'),
          dataDir,
          records: new SourceRecords(sql),
          now: () => new Date(),
          maxLatenessMs: 0,
          quietMs: 300,
        },
      );
      return await source?.sync().then(
        () => 'synced',
        (error: unknown) => error,
      );
    } finally {
      await sql.close();
    }
  }

  it('gives up with one line naming the source, whether it never answers or stops in the middle', async () => {
    const sockets = new Set<Socket>();
    // One takes the connection and never answers; the other starts its answer, and stops in the middle.
    const mute = createNetServer((socket) => sockets.add(socket.on('error', () => undefined)));
    const stalled = createHttpServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/x-git-upload-pack-advertisement' });
      // The service line, then the start of a line of refs whose rest never comes.
      response.write('001e# service=git-upload-pack\n0000003f0123456789');
    });
    stalled.on('connection', (socket) => sockets.add(socket));
    const listen = (server: NetServer) =>
      new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
    try {
      for (const server of [mute, stalled]) {
        const url = `http://127.0.0.1:${await listen(server)}/papers`;
        const began = performance.now();
        const failed = await syncFrom(url);
        expect(failed).toBeInstanceOf(Error);
        expect((failed as Error).message).toBe(`git+${url}#main: the server sent nothing for 0.3 s; gave up`);
        expect(performance.now() - began).toBeLessThan(10_000);
      }
    } finally {
      for (const socket of sockets) socket.destroy();
      await Promise.all([mute, stalled].map((s) => new Promise((resolve) => s.close(resolve))));
    }
  });
});
