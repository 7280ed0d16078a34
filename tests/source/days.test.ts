import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, sqliteSql } from '../../src/db/index.ts';
import { SourceRecords } from '../../src/ledger/index.ts';
import { createSource } from '../../src/source/index.ts';
import { paperboy } from '../helpers/cli.ts';
import { digestText } from '../helpers/digest-text.ts';
import { daysServer, type DayFile } from '../helpers/upstream.ts';

const dayBack = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
const nested = (day: string) => `${day.replaceAll('-', '/')}.md`;

describe('paperboy sync from a URL pattern', () => {
  const files = new Map<string, DayFile>();
  let server: Awaited<ReturnType<typeof daysServer>>;
  let project: string;
  let env: Record<string, string>;
  const today = dayBack(0);
  const yesterday = dayBack(1);
  const put = (day: string, text: string, version: string) =>
    files.set(nested(day), { text, etag: `"${day}-${version}"`, lastModified: new Date(Date.parse(`${day}T12:10:00Z`)).toUTCString() });
  const sync = () => paperboy(['sync'], { cwd: project, env });

  beforeAll(async () => {
    server = await daysServer(files);
    project = mkdtempSync(join(tmpdir(), 'paperboy-days-'));
    env = { PAPERBOY_DIGESTS_SOURCE: `${server.url}/days/{yyyy}/{mm}/{dd}.md`, PAPERBOY_MAX_LATENESS: '2d' };
  });
  afterAll(async () => server.stop());

  it('first sync: asks for today and the days within the lateness window, takes those there', async () => {
    put(yesterday, digestText(yesterday, 2), 'a');
    put(dayBack(5), digestText(dayBack(5)), 'a');
    const run = await sync();
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`added    ${nested(yesterday)}`);
    expect(server.requests.map((r) => r.split('/days/')[1])).toEqual([nested(today), nested(yesterday), nested(dayBack(2))]);
    expect(existsSync(join(project, 'digests', ...nested(dayBack(5)).split('/')))).toBe(false);
    const parsed = await paperboy(['parse', '--json', join('digests', nested(yesterday))], { cwd: project, env });
    expect(JSON.parse(parsed.stdout).source).toMatchObject({ origin: `${server.url}/days/${nested(yesterday)}`, etag: `"${yesterday}-a"` });
  });

  it('nothing new: one conditional request a day, answered 304', async () => {
    server.requests.length = 0;
    const before = server.answered304();
    const run = await sync();
    expect(server.answered304() - before).toBe(1);
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/up to date$/m);
    expect(server.requests).toHaveLength(3);
  });

  it('a new day and a rewritten day; a deleted one is kept; a malformed one is reported and skipped', async () => {
    put(today, digestText(today, 1), 'a');
    put(yesterday, digestText(yesterday, 2, ' (revised)'), 'b');
    put(dayBack(2), '## Papers for nonsense\n', 'a');
    const run = await sync();
    expect(run.status).toBe(0);
    expect(run.stdout).toContain(`added    ${nested(today)}`);
    expect(run.stdout).toContain(`changed  ${nested(yesterday)}`);
    expect(run.stderr).toContain(`${server.url}/days/${nested(dayBack(2))}:1: `);
    expect(readFileSync(join(project, 'digests', ...nested(yesterday).split('/')), 'utf8')).toContain('(revised)');
    files.delete(nested(today));
    expect((await sync()).status).toBe(0);
    expect(existsSync(join(project, 'digests', ...nested(today).split('/')))).toBe(true);
  });

  it('server down: exit 1 with one line; back: syncs again', async () => {
    await server.stop();
    const down = await sync();
    expect(down.status).toBe(1);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
    expect(down.stderr).toMatch(/cannot reach the server/);
    await server.restart();
    expect((await sync()).status).toBe(0);
  });

  it('a file larger than the limit is not taken', async () => {
    put(today, digestText(today, 400), 'big');
    const dataDir = join(project, 'data');
    const source = createSource(
      { kind: 'url', spec: 'days', pattern: `${server.url}/days/{yyyy}/{mm}/{dd}.md` },
      {
        digestsDir: join(project, 'digests'),
        dataDir,
        records: new SourceRecords(sqliteSql(openDatabase(dataDir))),
        now: () => new Date(),
        maxLatenessMs: 0,
        maxBytes: 10_000,
      },
    );
    const report = await source?.sync();
    expect(report?.skipped.join('\n')).toMatch(/more than the 10000 bytes a digest may be/);
    expect(readFileSync(join(project, 'digests', ...nested(today).split('/')), 'utf8')).toBe(digestText(today, 1));
  });
});
