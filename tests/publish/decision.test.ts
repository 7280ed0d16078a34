import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { openDatabase, sqliteSql } from '../../src/db/index.ts';
import { openLedger } from '../../src/ledger/index.ts';
import { decidePublication, publishNewest } from '../../src/publish/index.ts';
import { SubscriberStore, type NewSubscriber } from '../../src/subscribers/index.ts';
import { paperboy } from '../helpers/cli.ts';
import { tempDatabase } from '../helpers/dispatch.ts';
import { fixture } from '../helpers/paths.ts';

const DAY = 86_400_000;
const dayOf = (offset: number) => new Date(Date.now() + offset * DAY).toISOString().slice(0, 10);
const sixColumns = readFileSync(fixture('digests', 'six-columns.md'), 'utf8');
const digestOf = (date: string) => sixColumns.replace(/Papers for \d{4}-\d{2}-\d{2}/, `Papers for ${date}`);
const emptyOf = (date: string) =>
  readFileSync(fixture('digests', 'empty.md'), 'utf8').replace(/Papers for \d{4}-\d{2}-\d{2}/, `Papers for ${date}`);

async function project(digests: Record<string, string>, subscribers: NewSubscriber[]) {
  const base = await mkdtemp(join(tmpdir(), 'paperboy-decision-'));
  await mkdir(join(base, 'digests'));
  for (const [date, text] of Object.entries(digests)) await writeFile(join(base, 'digests', `${date}.md`), text);
  const sql = sqliteSql(openDatabase(join(base, 'data')));
  const store = new SubscriberStore(sql);
  await store.transaction(async () => {
    for (const s of subscribers) await store.add(s);
  });
  await sql.close();
  const env = { PAPERBOY_DATA_DIR: join(base, 'data'), PAPERBOY_DIGESTS_DIR: join(base, 'digests'), PAPERBOY_OUT_DIR: join(base, 'out') };
  const outbox = join(base, 'out', 'outbox');
  return {
    env,
    outbox,
    /** The daily job, run once in this process over the same settings. */
    async schedule(): Promise<string> {
      const app = openApp(loadConfig(env, base));
      try {
        return await publishNewest(app.jobs(new AbortController().signal));
      } finally {
        await app.close();
      }
    },
    /** The recipients of the messages in out/outbox/, sorted. */
    async mailed(): Promise<string[]> {
      const names = await readdir(outbox).catch(() => [] as string[]);
      const to = await Promise.all(names.map(async (name) => (await simpleParser(readFileSync(join(outbox, name)))).to));
      return to.map((t) => (t && !Array.isArray(t) ? t.text : '')).sort();
    },
    /** The publication on record for an issue. */
    async publication(issue: string) {
      const sql = sqliteSql(openDatabase(join(base, 'data')));
      try {
        return await openLedger(sql).publications.get(issue);
      } finally {
        await sql.close();
      }
    },
  };
}

const readers: NewSubscriber[] = [
  { email: 'a@example.org', status: 'confirmed', source: 'test' },
  { email: 'b@example.org', status: 'confirmed', source: 'test' },
];

describe('the publication rule', () => {
  it('gives one verdict per state of an issue, and force changes only what it should', async () => {
    const { sql } = await tempDatabase();
    const ledger = openLedger(sql);
    const config = { maxLatenessMs: 2 * DAY };
    const now = new Date('2031-02-04T08:00:00Z');
    const digest = { date: '2031-02-03', papers: [{}] };
    expect(await decidePublication(ledger, { date: '2031-02-03', papers: [] }, config, now, true)).toMatchObject({
      kind: 'empty',
      published: undefined,
    });
    expect(await decidePublication(ledger, digest, config, new Date('2031-02-10T08:00:00Z'))).toMatchObject({ kind: 'late', days: 7 });
    expect(await decidePublication(ledger, digest, config, new Date('2031-02-10T08:00:00Z'), true)).toMatchObject({ kind: 'mail' });
    expect(await decidePublication(ledger, digest, config, now)).toMatchObject({ kind: 'mail' });
    const round = await ledger.rounds.open('2031-02-03', 0, 'daily');
    // A round that did not finish is resumed, forced or not.
    expect(await decidePublication(ledger, digest, config, now)).toMatchObject({ kind: 'mail' });
    await ledger.rounds.close(round.id, { queued: 0, sent: 0, skipped: 0, failed: 0, doubt: 0 }, '');
    expect(await decidePublication(ledger, digest, config, now)).toMatchObject({ kind: 'sent', round: { status: 'done' } });
    expect(await decidePublication(ledger, digest, config, now, true)).toMatchObject({ kind: 'mail' });
    // Published without mail (it was late under a shorter setting): that stands unless forced.
    await ledger.publications.record('2031-02-05', false, '9 days old: on the web, not mailed', now);
    const other = { date: '2031-02-05', papers: [{}] };
    expect(await decidePublication(ledger, other, config, now)).toMatchObject({ kind: 'published', publication: { mailed: false } });
    expect(await decidePublication(ledger, other, config, now, true)).toMatchObject({ kind: 'mail', published: { mailed: false } });
    await sql.close();
  });

  it('the schedule and the command agree on a late digest, whichever comes first, and neither mails it', async () => {
    const late = dayOf(-10);
    for (const order of ['schedule first', 'command first']) {
      const p = await project({ [late]: digestOf(late) }, readers);
      const command = async () => {
        const run = await paperboy(['dispatch'], { env: p.env });
        expect(run.status, order).toBe(1);
        expect(run.stderr).toMatch(
          new RegExp(`^${late} is 10 days old \\(PAPERBOY_MAX_LATENESS is 2d\\): it is on the web, not mailed; --force mails it anyway`),
        );
      };
      if (order === 'schedule first') {
        expect(await p.schedule()).toMatch(new RegExp(`^${late} is 10 days old: published on the web, not mailed`));
        await command();
      } else {
        await command();
        expect(await p.schedule()).toBe(`${late} was already published`);
      }
      expect(await p.publication(late), order).toMatchObject({
        mailed: false,
        note: '10 days old: on the web, not mailed (dispatch --force mails it)',
      });
      expect(await p.mailed(), order).toEqual([]);
    }
  });

  it('the schedule and the command agree on an empty digest: recorded once, never mailed', async () => {
    const today = dayOf(0);
    const p = await project({ [today]: emptyOf(today) }, readers);
    expect(await p.schedule()).toBe(`${today} is empty: published on the web, not mailed`);
    const recorded = await p.publication(today);
    expect(recorded).toMatchObject({ mailed: false, note: 'empty digest: on the web, not in the feeds, not mailed' });
    expect((await paperboy(['dispatch'], { env: p.env })).stdout).toBe(
      `${today} has no papers: it is on the web, not in the feeds, and is not mailed\n`,
    );
    expect((await paperboy(['dispatch', '--force'], { env: p.env })).status).toBe(0);
    expect(await p.schedule()).toBe(`${today} was already published`);
    // The decision stays as it was first recorded.
    expect(await p.publication(today)).toEqual(recorded);
    expect(await p.mailed()).toEqual([]);
  });

  it('the schedule and the command agree on a digest already sent, whichever sent it', async () => {
    const today = dayOf(0);
    for (const order of ['schedule first', 'command first']) {
      const p = await project({ [today]: digestOf(today) }, readers);
      if (order === 'schedule first') {
        expect(await p.schedule()).toMatch(new RegExp(`^${today}: 2 sent`));
        expect((await paperboy(['dispatch'], { env: p.env })).stdout).toMatch(
          new RegExp(`^${today} was already sent \\(2 sent, finished .*\\); --force sends it again\\n$`),
        );
      } else {
        expect((await paperboy(['dispatch'], { env: p.env })).stdout).toMatch(new RegExp(`^${today}: 2 sent`));
        expect(await p.schedule()).toBe(`${today} was already published`);
      }
      expect(await p.publication(today), order).toMatchObject({ mailed: true });
      expect(await p.mailed(), order).toEqual(['a@example.org', 'b@example.org']);
    }
  });

  it('a dry run writes for exactly the people a dispatch queues', async () => {
    const subscribers: NewSubscriber[] = [
      { email: 'daily@example.org', status: 'confirmed', source: 'test' },
      { email: 'weekly@example.org', status: 'confirmed', cadence: 'weekly', source: 'test' },
      { email: 'pending@example.org', status: 'pending', source: 'test' },
      { email: 'left@example.org', status: 'unsubscribed', source: 'test' },
      { email: 'bounced@example.org', status: 'bounced', source: 'test' },
      { email: 'robots@example.org', status: 'confirmed', topics: ['Robotics'], source: 'test' },
      { email: 'knitting@example.org', status: 'confirmed', topics: ['Knitting'], source: 'test' },
    ];
    const p = await project({ '2031-02-03': digestOf('2031-02-03') }, subscribers);
    const dry = await paperboy(['dispatch', '--dry-run'], { env: p.env });
    expect(dry.stdout).toBe(
      `dry run of 2031-02-03: 2 messages written to ${join(p.env.PAPERBOY_OUT_DIR, 'outbox')} ` +
        '(one file per recipient, named after them), ' +
        '1 weekly subscriber left for the weekly email, 1 subscriber would get none:\n' +
        '  knitting@example.org: no papers on their topics in this issue (Knitting)\n',
    );
    const wouldGet = await p.mailed();
    expect(wouldGet).toEqual(['daily@example.org', 'robots@example.org']);
    await rm(p.outbox, { recursive: true });
    expect((await paperboy(['dispatch'], { env: p.env })).stdout).toMatch(/^2031-02-03: 2 sent, 1 skipped, 0 failed/);
    expect(await p.mailed()).toEqual(wouldGet);
  });
});
