import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import parsePrometheus from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { dispatchIssue } from '../../src/deliver/index.ts';
import { dueTimes } from '../../src/schedule.ts';
import { addConfirmed, fixtureIssue } from '../helpers/dispatch.ts';
import { startWeb, type TestWeb } from '../helpers/web.ts';

const TOKEN = 'a-metrics-token-of-enough-length';

// One scrape of the live /metrics: the value of a series by its labels (NaN when there is none), and its series.
async function scrape(web: TestWeb) {
  const response = await fetch(`${web.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
  expect(response.status).toBe(200);
  const families = parsePrometheus(await response.text());
  const series = (name: string) => families.find((f) => f.name === name)?.metrics ?? [];
  const value = (name: string, labels: Record<string, string> = {}) =>
    Number(series(name).find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))?.value ?? NaN);
  return { series, value };
}

describe('the metrics the alerts read', () => {
  it(
    "show each recent round's deliveries and what came back after it, each unfinished round running or stopped, " +
      "the schedule's due time and the inbound spool",
    async () => {
      let clock = new Date('2031-02-03T09:30:00.000Z');
      const web = await startWeb({ metricsToken: TOKEN, now: () => clock });
      try {
        await addConfirmed(web.store, 4);
        await dispatchIssue(await fixtureIssue(), web.app.dispatchContext(web.app.outbox()));
        clock = new Date('2031-02-03T10:00:00.000Z');
        await web.store.recordBounce(1, 'hard', 'test: 550 no such user');
        await web.store.recordBounce(2, 'soft', 'test: 452 mailbox full');
        await web.store.recordEvent(3, 'complaint', 'test: abuse report');
        const first = await scrape(web);
        const round = { issue: '2031-02-03', round: '0' };
        expect(first.value('paperboy_issue_deliveries', { ...round, status: 'sent' })).toBe(4);
        expect(first.value('paperboy_issue_deliveries', { ...round, status: 'failed' })).toBe(0);
        expect(first.value('paperboy_issue_bounces', round)).toBe(2);
        expect(first.value('paperboy_issue_complaints', round)).toBe(1);
        expect(first.series('paperboy_dispatch_queued')).toEqual([]);
        // The daily schedule (08:00 UTC by default) came due at 08:00 today.
        expect(first.value('paperboy_publication_due_timestamp_seconds')).toBe(Date.parse('2031-02-03T08:00:00.000Z') / 1000);
        expect(first.value('paperboy_inbound_waiting')).toBe(0);
        expect(first.value('paperboy_inbound_set_aside')).toBe(0);

        // A round left with everyone queued: stopped while no dispatch holds the lock, running while one does.
        clock = new Date('2031-02-04T08:00:00.000Z');
        await web.app.ledger.rounds.open('2031-02-04', 0, 'daily');
        const next = { issue: '2031-02-04', round: '0' };
        const stopped = await scrape(web);
        expect(stopped.value('paperboy_dispatch_queued', { ...next, state: 'stopped' })).toBe(4);
        expect(stopped.value('paperboy_dispatch_progress_timestamp_seconds', { ...next, state: 'stopped' })).toBe(clock.getTime() / 1000);
        // A bounce counts against the last message sent to its reader: the new round's for a reader it reached,
        // the round before's for one it has not reached yet, though the new round had started.
        clock = new Date('2031-02-04T08:05:00.000Z');
        const lock = await web.app.ledger.acquire('dispatch');
        try {
          await web.app.ledger.rounds.record('2031-02-04', 0, 1, 'sent', { attempts: 1 });
          await web.store.recordBounce(1, 'soft', 'test: 452 mailbox full');
          await web.store.recordBounce(4, 'hard', 'test: 550 no such user');
          const running = await scrape(web);
          expect(running.series('paperboy_dispatch_queued').map((m) => m.labels)).toEqual([{ ...next, state: 'running' }]);
          expect(running.value('paperboy_dispatch_queued', { ...next, state: 'running' })).toBe(3);
          expect(running.value('paperboy_dispatch_progress_timestamp_seconds', { ...next, state: 'running' })).toBe(clock.getTime() / 1000);
          expect(running.value('paperboy_issue_bounces', next)).toBe(1);
          expect(running.value('paperboy_issue_bounces', round)).toBe(3);
          expect(running.value('paperboy_publication_due_timestamp_seconds')).toBe(Date.parse('2031-02-04T08:00:00.000Z') / 1000);
        } finally {
          await lock.release();
        }

        // Messages the receiver took and has not acted on, and those it set aside, whichever process took them.
        const spool = join(web.dataDir, 'inbound');
        await mkdir(join(spool, 'failed'), { recursive: true });
        await writeFile(join(spool, '001780000000000-4242-000000000.msg'), 'x');
        await writeFile(join(spool, 'failed', '001780000000000-4242-000000001.msg'), 'x');
        await writeFile(join(spool, 'failed', '001780000000000-4242-000000002.msg'), 'x');
        await writeFile(join(spool, 'failed', 'notes.txt'), 'not a message');
        const inbound = await scrape(web);
        expect(inbound.value('paperboy_inbound_waiting')).toBe(1);
        expect(inbound.value('paperboy_inbound_set_aside')).toBe(2);
      } finally {
        await web.close();
      }
    },
  );
});

describe('when a schedule last came due', () => {
  it("is found in the schedule's time zone, at or before the time asked, and moves on as time does", () => {
    const daily = dueTimes('0 8 * * *', 'Europe/Paris');
    expect(daily(new Date('2031-02-03T06:59:59.000Z'))?.toISOString()).toBe('2031-02-02T07:00:00.000Z');
    expect(daily(new Date('2031-02-03T07:00:00.000Z'))?.toISOString()).toBe('2031-02-03T07:00:00.000Z');
    expect(daily(new Date('2031-02-03T12:00:00.000Z'))?.toISOString()).toBe('2031-02-03T07:00:00.000Z');
    expect(daily(new Date('2031-02-04T07:00:30.000Z'))?.toISOString()).toBe('2031-02-04T07:00:00.000Z');
    // Monday 08:00 in a zone 5 h 45 min ahead of UTC.
    expect(dueTimes('0 8 * * 1', 'Asia/Kathmandu')(new Date('2031-02-05T00:00:00.000Z'))?.toISOString()).toBe('2031-02-03T02:15:00.000Z');
    expect(dueTimes('*/20 * * * * *', 'UTC')(new Date('2031-02-03T10:00:59.500Z'))?.toISOString()).toBe('2031-02-03T10:00:40.000Z');
  });

  it('is null when the schedule was not due in the last week', () => {
    expect(dueTimes('0 8 1 1 *', 'UTC')(new Date('2031-06-01T00:00:00.000Z'))).toBeNull();
  });
});
