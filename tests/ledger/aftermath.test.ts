import { load } from 'cheerio';
import parsePrometheus from 'parse-prometheus-text-format';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchIssue } from '../../src/deliver/index.ts';
import { openLedger } from '../../src/ledger/index.ts';
import { renderReport } from '../../src/report/index.ts';
import { SubscriberStore } from '../../src/subscribers/index.ts';
import { addConfirmed, fixtureIssue, tempDatabase } from '../helpers/dispatch.ts';
import { tableCells } from '../helpers/html-table.ts';
import { startWeb, type TestWeb } from '../helpers/web.ts';

const ADMIN = 'an-admin-token-of-enough-length-0123';
const METRICS = 'a-metrics-token-of-enough-length';

type Came = { bounced: number; complained: number; unsubscribed: number };

describe('what came back after each issue', () => {
  let web: TestWeb;
  let clock = new Date('2031-02-01T08:00:00.000Z');
  const at = (time: string) => {
    clock = new Date(time);
  };
  beforeAll(async () => {
    web = await startWeb({ adminToken: ADMIN, metricsToken: METRICS, now: () => clock });
    await addConfirmed(web.store, 3);
    const [first, second] = [await fixtureIssue('four-columns.md', '2031-01-05'), await fixtureIssue()];
    await dispatchIssue(first, web.app.dispatchContext(web.app.outbox()));
    // Between the issues: a bounce from reader 1, and reader 3 leaves (so gets the first issue, not the second).
    at('2031-02-02T10:00:00.000Z');
    await web.store.recordBounce(1, 'soft', 'test: 452 mailbox full');
    await web.store.setStatus(3, 'unsubscribed', 'one-click');
    at('2031-02-03T08:00:00.000Z');
    await dispatchIssue(second, web.app.dispatchContext(web.app.outbox()));
    // After the second: reader 3 reports the first issue as spam, reader 2 the second; reader 1 leaves.
    at('2031-02-04T12:00:00.000Z');
    await web.store.recordComplaint(3, 'test: abuse report');
    await web.store.recordComplaint(2, 'test: abuse report');
    await web.store.setStatus(1, 'unsubscribed', 'one-click');
    at('2031-02-05T12:00:00.000Z');
  }, 60_000);
  afterAll(async () => {
    await web?.close();
  });

  // A late complaint counts for the last message its reader got: the first issue, though the second went out since.
  const expected: Record<string, Came> = {
    '2031-01-05': { bounced: 1, complained: 1, unsubscribed: 1 },
    '2031-02-03': { bounced: 0, complained: 1, unsubscribed: 1 },
  };

  it('is the same in the admin API, the report and /metrics: each event for the last message sent to its reader', async () => {
    const api = await fetch(`${web.url}/api/v1/issues`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(api.status).toBe(200);
    const items = ((await api.json()) as { items: (Came & { issue: string; sent: number })[] }).items;
    expect(Object.fromEntries(items.map((i) => [i.issue, [i.sent, i.bounced, i.complained, i.unsubscribed]]))).toEqual({
      '2031-01-05': [3, 1, 1, 1],
      '2031-02-03': [2, 0, 1, 1],
    });

    const $ = load(renderReport(await web.app.report(30)));
    const rows = tableCells($, 'What came back after each issue');
    expect(rows).toEqual(
      Object.entries(expected).map(([issue, c]) => [issue, String(c.bounced), String(c.complained), String(c.unsubscribed)]),
    );

    const scrape = await fetch(`${web.url}/metrics`, { headers: { authorization: `Bearer ${METRICS}` } });
    expect(scrape.status).toBe(200);
    const families = parsePrometheus(await scrape.text());
    const value = (name: string, issue: string) =>
      Number(families.find((f) => f.name === name)?.metrics.find((m) => m.labels?.issue === issue && m.labels.round === '0')?.value);
    for (const [issue, c] of Object.entries(expected)) {
      expect([value('paperboy_issue_bounces', issue), value('paperboy_issue_complaints', issue)], issue).toEqual([c.bounced, c.complained]);
    }

    // The status's complaint rate adds up the same complaints over the same messages.
    const status = await fetch(`${web.url}/api/v1/status`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(((await status.json()) as { complaints: unknown }).complaints).toMatchObject({ complaints: 2, sent: 5, dispatches: 2 });
  });

  it('counts nothing for an issue when its reader was refused a later one since, and each round of a re-send for itself', async () => {
    const { sql, store } = await tempDatabase();
    let now = new Date('2031-03-01T08:00:00.000Z');
    const ledger = openLedger(sql, () => now);
    const events = new SubscriberStore(sql, () => now);
    await addConfirmed(store, 2);
    const send = async (issue: string, round: number, status: 'sent' | 'failed', time: string) => {
      now = new Date(time);
      const opened = await ledger.rounds.open(issue, round, 'daily');
      await ledger.rounds.record(issue, round, 1, status, { attempts: 1 });
      await ledger.rounds.record(issue, round, 2, 'sent', { attempts: 1 });
      return opened;
    };
    const rounds = [
      await send('2031-03-01', 0, 'sent', '2031-03-01T08:00:00.000Z'),
      await send('2031-03-01', 1, 'sent', '2031-03-01T12:00:00.000Z'),
      await send('2031-03-02', 0, 'failed', '2031-03-02T08:00:00.000Z'),
    ];
    now = new Date('2031-03-01T13:00:00.000Z');
    await events.recordComplaint(2, 'test: abuse report');
    now = new Date('2031-03-03T08:00:00.000Z');
    await events.recordComplaint(1, 'test: abuse report');
    await events.recordBounce(2, 'hard', 'test: 550 no such user');
    expect((await ledger.aftermath(rounds)).map((r) => [r.bounced, r.complained])).toEqual([
      [0, 0],
      [0, 1],
      [1, 0],
    ]);
    expect((await ledger.issues(5)).map((i) => [i.issue, i.bounced, i.complained])).toEqual([
      ['2031-03-02', 1, 0],
      ['2031-03-01', 0, 1],
    ]);
    await sql.close();
  });
});
