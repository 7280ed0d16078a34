import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { openDatabase, sqliteSql } from '../../src/db/index.ts';
import { SubscriberStore, type NewSubscriber } from '../../src/subscribers/index.ts';
import { paperboy, spawnPaperboy } from '../helpers/cli.ts';
import { fixture } from '../helpers/paths.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';
import { has } from '../helpers/peers.ts';

async function project(subscribers: (string | NewSubscriber)[]): Promise<Record<string, string>> {
  const base = await mkdtemp(join(tmpdir(), 'paperboy-dispatch-'));
  await mkdir(join(base, 'digests'));
  await writeFile(join(base, 'digests', '2031-02-03.md'), readFileSync(fixture('digests', 'six-columns.md'), 'utf8'));
  const sql = sqliteSql(openDatabase(join(base, 'data')));
  const store = new SubscriberStore(sql);
  for (const s of subscribers) await store.add(typeof s === 'string' ? { email: s, status: 'confirmed', source: 'test' } : s);
  await sql.close();
  return {
    PAPERBOY_DATA_DIR: join(base, 'data'),
    PAPERBOY_DIGESTS_DIR: join(base, 'digests'),
    PAPERBOY_OUT_DIR: join(base, 'out'),
    PAPERBOY_SMTP_RETRY_MS: '10',
  };
}

describe('paperboy dispatch', () => {
  it('without an SMTP URL writes one .eml per subscriber to out/outbox/, once, and says so', async () => {
    const env = await project(['a@example.org', 'b@example.org']);
    const first = await paperboy(['dispatch'], { env });
    expect(first.status).toBe(0);
    expect(first.stdout).toMatch(/^2031-02-03: 2 sent, 0 skipped, 0 failed in [\d.]+ s/);
    const outbox = join(env.PAPERBOY_OUT_DIR as string, 'outbox');
    // A file per message: the recipient, then the Message-ID (issue, round, subscriber, and the list's signature of them).
    const files = (await readdir(outbox)).sort();
    expect(files).toHaveLength(2);
    files.forEach((file, i) =>
      expect(file).toMatch(new RegExp(`^${'ab'[i]}@example\\.org--paperboy\\.2031-02-03\\.0\\.${i + 1}\\.[0-9a-f]{16}@localhost\\.eml$`)),
    );
    const message = await simpleParser(readFileSync(join(outbox, files[1] as string)));
    expect(message.to && !Array.isArray(message.to) ? message.to.text : '').toBe('b@example.org');
    const again = await paperboy(['dispatch'], { env });
    expect(again.status).toBe(0);
    expect(again.stdout).toMatch(/^2031-02-03 was already sent \(2 sent, finished .*\); --force sends it again\n$/);
    expect((await paperboy(['dispatch', '--force'], { env })).stdout).toMatch(/^2031-02-03 \(round 1\): 2 sent/);
  });

  it('--dry-run and --to leave the ledger alone', async () => {
    const env = await project(['a@example.org']);
    const outbox = join(env.PAPERBOY_OUT_DIR as string, 'outbox');
    expect((await paperboy(['dispatch', '--dry-run'], { env })).stdout).toBe(
      `dry run of 2031-02-03: 1 message written to ${outbox} (one file per recipient, named after them), 0 subscribers would get none\n`,
    );
    const test = await paperboy(['dispatch', '--to', 'me@example.org'], { env });
    expect(test.stdout).toMatch(/^test copy of 2031-02-03 sent to me@example\.org through files in /);
    expect((await paperboy(['dispatch'], { env })).stdout).toMatch(/^2031-02-03: 1 sent/);
    expect((await paperboy(['dispatch', '--to', 'not an address'], { env })).status).toBe(2);
    expect((await paperboy(['dispatch', '--date', '2031-02-30'], { env })).status).toBe(2);
  });

  it('--dry-run names who would get nothing and their topics, and names each file after its recipient', async () => {
    const env = await project([
      'all@example.org',
      { email: 'robots@example.org', topics: ['Robotics'], status: 'confirmed', source: 'test' },
      { email: "o'brien+news/x@example.org", topics: ['Audio', 'Chemistry'], status: 'confirmed', source: 'test' },
      { email: 'week@example.org', cadence: 'weekly', status: 'confirmed', source: 'test' },
      { email: 'pending@example.org', topics: ['Audio'], source: 'test' },
    ]);
    const outbox = join(env.PAPERBOY_OUT_DIR as string, 'outbox');
    const run = await paperboy(['dispatch', '--dry-run'], { env });
    expect(run.stdout).toBe(
      `dry run of 2031-02-03: 2 messages written to ${outbox} (one file per recipient, named after them), ` +
        '1 weekly subscriber left for the weekly email, ' +
        `1 subscriber would get none:\n  o'brien+news/x@example.org: no papers on their topics in this issue (Audio, Chemistry)\n`,
    );
    const files = (await readdir(outbox)).sort();
    expect(files.map((f) => f.split('--')[0])).toEqual(['all@example.org', 'robots@example.org']);
    const robots = await simpleParser(readFileSync(join(outbox, files[1] as string)));
    expect(robots.to && !Array.isArray(robots.to) ? robots.to.text : '').toBe('robots@example.org');
  });

  it.runIf(has('processes'))('over SMTP, stops with exit 1 when the server is down, and resumes when it is back', async () => {
    const env = await project(['a@example.org', 'b@example.org', 'c@example.org']);
    const sink = new SmtpSink();
    await sink.start();
    const port = sink.port;
    await sink.stop();
    const smtp = { ...env, PAPERBOY_SMTP_URL: `smtp://127.0.0.1:${port}`, PAPERBOY_SMTP_ATTEMPTS: '2' };
    const down = await spawnPaperboy(['dispatch'], { env: smtp });
    expect(down.status).toBe(1);
    expect(down.stdout).toMatch(/^2031-02-03: 0 sent, 0 skipped, 0 failed, 3 still queued/);
    expect(down.stderr).toMatch(/2031-02-03: stopped: 3 deliveries could not be made now .*; once that is fixed, run dispatch again/);
    await sink.start(port);
    const back = await spawnPaperboy(['dispatch'], { env: smtp });
    await sink.stop();
    expect(back.status).toBe(0);
    expect(back.stdout).toMatch(/^2031-02-03: 3 sent/);
    expect(sink.messages.map((m) => m.to[0]).sort()).toEqual(['a@example.org', 'b@example.org', 'c@example.org']);
  });
});
