import { expect, it } from 'vitest';
import { LockedError, refusedReason } from '../../../src/ledger/index.ts';
import { onEachStore, START, type Owners } from './stores.ts';

const ISSUE = '2031-03-02';

// Subscribers 1–6: confirmed daily but 3 (pending) and 4 (weekly).
async function sixReaders(o: Owners): Promise<void> {
  for (let n = 1; n <= 6; n++) {
    const status = n === 3 ? 'pending' : 'confirmed';
    await o.store.add({
      email: `reader${n}@example.org`,
      source: 'test',
      status,
      cadence: n === 4 ? 'weekly' : 'daily',
      topics: [`t${n}`],
    });
  }
}

// A delivery the relay refused for a reason not the recipient's: left queued with its reply and code, as a sender leaves it.
async function refuse(o: Owners, subscriberId: number, detail: { attempts: number; reply: string; code: string | undefined }) {
  const reason = refusedReason(detail.code);
  await o.ledger.rounds.record(ISSUE, 0, subscriberId, 'queued', { attempts: detail.attempts, reply: detail.reply, reason });
}

// What the webhook queue holds for one receiver, in order, without the random ids.
async function told(o: Owners) {
  const rows = await o.sql.all<{ type: string; subject: string; body: string }>(
    "SELECT type, subject, body FROM webhook_events WHERE url LIKE 'https://a.%' ORDER BY seq",
  );
  return rows.map((r) => ({ type: r.type, subject: r.subject, data: (JSON.parse(r.body) as { data: unknown }).data }));
}

onEachStore('the dispatch rounds', (owners, seen) => {
  it('open a round for the audience of a cadence, page through its queue, and record each outcome', async () => {
    const o = owners();
    const { rounds } = o.ledger;
    await sixReaders(o);
    await o.store.remove('reader6@example.org');
    const round = seen('opened', await rounds.open(ISSUE, 0, 'daily'));
    expect(round).toEqual({
      id: 1,
      issue: ISSUE,
      round: 0,
      status: 'running',
      startedAt: START,
      finishedAt: null,
      sent: 0,
      skipped: 0,
      failed: 0,
      note: '',
    });
    const audience: number[] = [];
    for await (const r of rounds.audience('daily')) audience.push(r.id);
    expect(audience).toEqual([1, 2, 5]);
    const first = await o.ledger.claims.claim(ISSUE, 0, 'a sender', 2, 60_000);
    expect(first.every((d) => d.tokenKey.length >= 20)).toBe(true);
    const page = first.map((d) => ({ id: d.subscriberId, email: d.email, status: d.status, topics: d.topics, attempts: d.attempts }));
    expect(seen('first page', page)).toEqual([
      { id: 1, email: 'reader1@example.org', status: 'confirmed', topics: ['t1'], attempts: 0 },
      { id: 2, email: 'reader2@example.org', status: 'confirmed', topics: ['t2'], attempts: 0 },
    ]);
    expect((await o.ledger.claims.claim(ISSUE, 0, 'a sender', 2, 60_000, 2)).map((d) => d.subscriberId)).toEqual([5]);
    o.wait(1000);
    await rounds.record(ISSUE, 0, 1, 'sent', { messageId: '<m1@example.org>', attempts: 1, reply: '250 ok' });
    o.wait(1000);
    await refuse(o, 2, { attempts: 1, reply: '550 5.7.1 policy', code: '5.7.1' });
    await refuse(o, 5, { attempts: 2, reply: '554 no', code: undefined });
    expect(seen('refusals', await rounds.refusals(ISSUE, 0))).toEqual([
      { code: null, count: 1, reply: '554 no' },
      { code: '5.7.1', count: 1, reply: '550 5.7.1 policy' },
    ]);
    expect(seen('delivery', await rounds.delivery(ISSUE, 0, 2))).toEqual({
      status: 'queued',
      attempts: 1,
      lastReply: '550 5.7.1 policy',
      reason: 'refused by the relay (5.7.1)',
      messageId: '',
    });
    expect(await rounds.delivery(ISSUE, 0, 4)).toBeUndefined();
    expect(seen('tally', await rounds.tally(ISSUE, 0))).toEqual({ queued: 2, sent: 1, skipped: 0, failed: 0, doubt: 0 });
    expect(seen('progress', await rounds.progressAt(ISSUE, 0))).toBe('2031-03-02T08:00:02.000Z');
    expect(await rounds.progressAt(ISSUE, 9)).toBe('');
    expect(seen('deliveries of 1', await rounds.deliveriesOf(1))).toEqual([
      { issue: ISSUE, round: 0, status: 'sent', messageId: '<m1@example.org>', updatedAt: '2031-03-02T08:00:01.000Z' },
    ]);
  });

  it('give the latest reply of a refusal, most refused first, ties by reason', async () => {
    const o = owners();
    const { rounds } = o.ledger;
    await sixReaders(o);
    await rounds.open(ISSUE, 0, 'daily');
    await refuse(o, 1, { attempts: 1, reply: '421 4.7.0 slow down', code: '4.7.0' });
    await refuse(o, 2, { attempts: 1, reply: '550 5.7.1 first', code: '5.7.1' });
    o.wait(1000);
    await refuse(o, 5, { attempts: 1, reply: '550 5.7.1 later', code: '5.7.1' });
    // Two written at the same time: the latest is the one to the higher subscriber id, on both stores.
    await refuse(o, 6, { attempts: 1, reply: '451 4.3.0 try later', code: '4.3.0' });
    await refuse(o, 1, { attempts: 2, reply: '421 4.7.0 again', code: '4.3.0' });
    // A reason that only looks like a refusal in another case is none, on both stores: it is not kept to be tried last.
    await rounds.record(ISSUE, 0, 2, 'queued', { attempts: 2, reason: 'REFUSED BY THE RELAY (5.7.1)' });
    await o.ledger.claims.bringBack(ISSUE, 0);
    expect(
      seen(
        'not refused',
        (await o.ledger.claims.claim(ISSUE, 0, 'a sender', 10, 60_000)).map((d) => d.subscriberId),
      ),
    ).toEqual([2]);
    expect(seen('refusals', await rounds.refusals(ISSUE, 0))).toEqual([
      { code: '4.3.0', count: 2, reply: '451 4.3.0 try later' },
      { code: '5.7.1', count: 1, reply: '550 5.7.1 later' },
    ]);
  });

  it('record several outcomes at once, each as its own record would, letting go of their claims', async () => {
    const o = owners();
    const { rounds, claims } = o.ledger;
    await sixReaders(o);
    await rounds.open(ISSUE, 0, 'daily');
    expect((await claims.claim(ISSUE, 0, 'a sender', 3, 60_000)).map((d) => d.subscriberId)).toEqual([1, 2, 5]);
    o.wait(1000);
    await rounds.recordAll(ISSUE, 0, [
      { subscriberId: 1, status: 'sent', messageId: '<m1@example.org>', attempts: 1, reply: '250 ok' },
      { subscriberId: 2, status: 'skipped', attempts: 0, reason: 'no topic of theirs' },
      { subscriberId: 5, status: 'failed', attempts: 1, reply: '550 no such user' },
    ]);
    expect(seen('tally', await rounds.tally(ISSUE, 0))).toEqual({ queued: 1, sent: 1, skipped: 1, failed: 1, doubt: 0 });
    expect(seen('delivery 1', await rounds.delivery(ISSUE, 0, 1))).toEqual({
      status: 'sent',
      attempts: 1,
      lastReply: '250 ok',
      reason: '',
      messageId: '<m1@example.org>',
    });
    expect(seen('delivery 2', await rounds.delivery(ISSUE, 0, 2))).toMatchObject({ status: 'skipped', reason: 'no topic of theirs' });
    expect(seen('progress', await rounds.progressAt(ISSUE, 0))).toBe('2031-03-02T08:00:01.000Z');
    expect(seen('senders', await claims.senders())).toEqual([]);
    expect(seen('left', await claims.left(ISSUE, 0))).toEqual({ held: 0, waiting: 0, last: 0, aside: 0, queued: 1 });
  });

  it('close a round, done or stopped, resume it with whoever joined, and list rounds by time', async () => {
    const o = owners();
    const { rounds } = o.ledger;
    await sixReaders(o);
    const first = await rounds.open(ISSUE, 0, 'daily');
    await rounds.record(ISSUE, 0, 1, 'sent', { messageId: '<a@x>', attempts: 1 });
    await rounds.record(ISSUE, 0, 2, 'skipped', { attempts: 0, reason: 'no topic of theirs' });
    await rounds.record(ISSUE, 0, 5, 'doubt', { attempts: 1, reason: 'the relay never answered' });
    o.wait(60_000);
    await rounds.close(first.id, await rounds.tally(ISSUE, 0), 'the relay went away');
    expect(seen('stopped', await rounds.latestRound(ISSUE))).toMatchObject({
      status: 'stopped',
      finishedAt: '2031-03-02T08:01:00.000Z',
      sent: 1,
      skipped: 1,
      failed: 0,
      note: 'the relay went away',
    });
    expect(seen('in doubt', await rounds.inDoubt())).toEqual([{ issue: ISSUE, round: 0, count: 1 }]);
    // Resumed: reader 7 joined meanwhile, and is queued; those already in the round are left as they are.
    await o.store.add({ email: 'reader7@example.org', source: 'test', status: 'confirmed' });
    o.wait(60_000);
    const resumed = seen('resumed', await rounds.open(ISSUE, 0, 'daily'));
    expect(resumed).toMatchObject({ id: first.id, status: 'running', finishedAt: null, startedAt: START });
    expect(await rounds.tally(ISSUE, 0)).toEqual({ queued: 2, sent: 1, skipped: 1, failed: 0, doubt: 1 });
    await rounds.record(ISSUE, 0, 6, 'failed', { attempts: 1, reply: '550 no such user' });
    await rounds.record(ISSUE, 0, 7, 'sent', { attempts: 1 });
    await rounds.close(first.id, await rounds.tally(ISSUE, 0), '');
    expect((await rounds.latestRound(ISSUE))?.status).toBe('done');
    // A weekly issue and a forced second round, started at the same time: the later id is the later round.
    const weekly = await rounds.open('week-2031-03-02', 0, 'weekly');
    const again = await rounds.open(ISSUE, 1, 'daily');
    expect(
      seen(
        'weekly queue',
        (await o.ledger.claims.claim('week-2031-03-02', 0, 'a sender', 10, 60_000)).map((d) => d.subscriberId),
      ),
    ).toEqual([4]);
    expect(seen('last', await rounds.lastRound())).toMatchObject({ id: again.id, issue: ISSUE, round: 1 });
    expect(seen('latest', await rounds.latestRound(ISSUE))).toMatchObject({ round: 1 });
    expect(
      seen(
        'recent',
        (await rounds.recent(2)).map((r) => r.id),
      ),
    ).toEqual([again.id, weekly.id]);
    expect(
      seen(
        'since',
        (await rounds.since('2031-03-02T08:02:00.000Z')).map((r) => r.id),
      ),
    ).toEqual([weekly.id, again.id]);
    expect(
      seen(
        'unfinished',
        (await rounds.unfinished()).map((r) => r.id),
      ),
    ).toEqual([weekly.id, again.id]);
    expect(seen('totals', await rounds.totals())).toEqual({ queued: 6, sent: 2, skipped: 1, failed: 1, doubt: 1 });
    expect(await rounds.latestRound('2031-01-01')).toBeUndefined();
    expect(seen('told', await told(o))).toEqual([
      {
        type: 'dispatch.stopped',
        subject: `issue:${ISSUE}`,
        data: expect.objectContaining({ sent: 1, skipped: 1, failed: 0, doubt: 1, queued: 1, reason: 'the relay went away' }),
      },
      { type: 'dispatch.finished', subject: `issue:${ISSUE}`, data: expect.objectContaining({ sent: 2, failed: 1, doubt: 1 }) },
    ]);
  });

  it('say which unfinished rounds are being sent: only while the dispatch lock is held', async () => {
    const o = owners();
    await sixReaders(o);
    await o.ledger.rounds.open(ISSUE, 0, 'daily');
    o.wait(5000);
    await o.ledger.rounds.record(ISSUE, 0, 2, 'sent', { attempts: 1 });
    const stopped = seen('without lock', await o.ledger.unfinished());
    expect(stopped).toEqual([
      { round: expect.objectContaining({ issue: ISSUE }), running: false, queued: 3, progressAt: '2031-03-02T08:00:05.000Z' },
    ]);
    const lock = await o.ledger.acquire('dispatch');
    expect(
      seen(
        'with lock',
        (await o.ledger.unfinished()).map((u) => u.running),
      ),
    ).toEqual([true]);
    await lock.release();
  });
});

onEachStore('the publications', (owners, seen) => {
  it('record each issue once, again when forced, and give the newest, ties by issue', async () => {
    const o = owners();
    const { publications } = o.ledger;
    expect(await publications.last()).toBeUndefined();
    await publications.record('2031-03-01', true, 'mailed');
    await publications.record('week-2031-03-01', false, 'nobody reads weekly');
    expect(seen('tie', await publications.last())).toEqual({
      issue: 'week-2031-03-01',
      publishedAt: START,
      mailed: false,
      note: 'nobody reads weekly',
    });
    o.wait(3_600_000);
    await publications.record('2031-03-01', false, 'forced again');
    expect(seen('again', await publications.get('2031-03-01'))).toEqual({
      issue: '2031-03-01',
      publishedAt: '2031-03-02T09:00:00.000Z',
      mailed: false,
      note: 'forced again',
    });
    expect(await publications.get('2031-03-02')).toBeUndefined();
    expect(
      seen(
        'told',
        (await told(o)).map((e) => e.data),
      ),
    ).toEqual([
      { issue: '2031-03-01', publishedAt: START, mailed: true, note: 'mailed' },
      { issue: 'week-2031-03-01', publishedAt: START, mailed: false, note: 'nobody reads weekly' },
      { issue: '2031-03-01', publishedAt: '2031-03-02T09:00:00.000Z', mailed: false, note: 'forced again' },
    ]);
  });
});

onEachStore('the source records', (owners, seen) => {
  it('keep where each file came from, in byte order of path, and how each source last synced', async () => {
    const { sources } = owners();
    const at = (minute: number) => new Date(Date.parse(START) + minute * 60_000);
    const file = (path: string, origin = 'https://example.org/a@1') => ({
      path,
      origin,
      etag: '"e"',
      lastModified: '',
      sha256: 'ab'.repeat(32),
    });
    for (const path of ['b/2031.md', 'B/2031.md', 'a_b.md', 'a-b.md', 'é.md', 'Z.md']) await sources.seen(file(path), true, at(0));
    await sources.seen(file('b/2031.md', 'https://example.org/a@2'), false, at(1));
    await sources.seen({ ...file('Z.md', 'https://example.org/a@3'), sha256: 'cd'.repeat(32) }, true, at(2));
    await sources.touch('a-b.md', at(3));
    expect(
      seen(
        'order',
        (await sources.all()).map((f) => f.path),
      ),
    ).toEqual(['B/2031.md', 'Z.md', 'a-b.md', 'a_b.md', 'b/2031.md', 'é.md']);
    expect(seen('unchanged', await sources.get('b/2031.md'))).toMatchObject({
      origin: 'https://example.org/a@1',
      changedAt: START,
      seenAt: at(1).toISOString(),
    });
    expect(seen('changed', await sources.get('Z.md'))).toMatchObject({ origin: 'https://example.org/a@3', changedAt: at(2).toISOString() });
    expect(seen('touched', await sources.get('a-b.md'))).toMatchObject({ changedAt: START, seenAt: at(3).toISOString() });
    expect(await sources.get('none.md')).toBeUndefined();
    expect(await sources.state('git')).toBeUndefined();
    await sources.synced('git', { problem: 'unreachable' }, at(0));
    expect(seen('failed first', await sources.state('git'))).toEqual({
      source: 'git',
      revision: '',
      goodAt: null,
      triedAt: at(0).toISOString(),
      problem: 'unreachable',
    });
    await sources.synced('git', { revision: 'abc123' }, at(1));
    await sources.synced('git', { problem: 'timed out' }, at(2));
    expect(seen('failed later', await sources.state('git'))).toEqual({
      source: 'git',
      revision: 'abc123',
      goodAt: at(1).toISOString(),
      triedAt: at(2).toISOString(),
      problem: 'timed out',
    });
  });
});

onEachStore('the dispatch lock', (owners, seen) => {
  it('is held by one at a time, names its holder, and is taken over once its holder is silent for a minute', async () => {
    const o = owners();
    expect(await o.ledger.holder('dispatch')).toBeUndefined();
    const lock = await o.ledger.acquire('dispatch');
    const holder = seen('holder', await o.ledger.holder('dispatch'));
    expect(holder).toMatchObject({ pid: process.pid, acquiredAt: START, heartbeatAt: START, gone: false });
    await expect(o.ledger.acquire('dispatch')).rejects.toBeInstanceOf(LockedError);
    // Another name is another lock.
    const other = await o.ledger.acquire('publish');
    await other.release();
    o.wait(61_000);
    expect((await o.ledger.holder('dispatch'))?.gone).toBe(true);
    const taken = await o.ledger.acquire('dispatch');
    expect(seen('taken over', await o.ledger.holder('dispatch'))).toMatchObject({ acquiredAt: '2031-03-02T08:01:01.000Z', gone: false });
    await taken.release();
    await lock.release();
    expect(await o.ledger.holder('dispatch')).toBeUndefined();
  });
});

onEachStore('the issues and what came back after them', (owners, seen) => {
  // Three readers get the first issue; between the issues reader 1 bounces and reader 3 leaves; after the
  // second, reader 3 complains (about the first), reader 2 complains and reader 1 leaves.
  async function twoIssues(o: Owners) {
    const { store, ledger } = o;
    for (let n = 1; n <= 3; n++) await store.add({ email: `r${n}@example.org`, source: 'test', status: 'confirmed' });
    o.at('2031-01-05T08:00:00.000Z');
    await ledger.publications.record('2031-01-05', true, 'mailed');
    await ledger.rounds.open('2031-01-05', 0, 'daily');
    for (const id of [1, 2, 3]) await ledger.rounds.record('2031-01-05', 0, id, 'sent', { attempts: 1 });
    o.at('2031-02-02T10:00:00.000Z');
    await store.recordBounce(1, 'soft', '452 mailbox full');
    await store.setStatus(3, 'unsubscribed', 'one-click');
    o.at('2031-02-03T08:00:00.000Z');
    await ledger.publications.record('2031-02-03', true, 'mailed');
    await ledger.rounds.open('2031-02-03', 0, 'daily');
    await ledger.rounds.record('2031-02-03', 0, 1, 'sent', { attempts: 1 });
    await ledger.rounds.record('2031-02-03', 0, 2, 'sent', { attempts: 1 });
    await ledger.publications.record('week-2031-02-03', false, 'no weekly readers');
    o.at('2031-02-04T12:00:00.000Z');
    await store.recordComplaint(3, 'abuse report');
    await store.recordComplaint(2, 'abuse report');
    await store.setStatus(1, 'unsubscribed', 'one-click');
    // A round started and never mailed: an issue dispatched but not published.
    o.at('2031-02-05T08:00:00.000Z');
    await ledger.rounds.open('2031-02-05', 0, 'daily');
    await ledger.rounds.record('2031-02-05', 0, 2, 'failed', { attempts: 1 });
  }

  it('count each event for the last message sent to its reader, issue by issue and round by round', async () => {
    const o = owners();
    await twoIssues(o);
    const issues = seen('issues', await o.ledger.issues(10));
    expect(issues.map((i) => [i.issue, i.mailed, i.rounds, i.sent, i.failed, i.queued, i.bounced, i.complained, i.unsubscribed])).toEqual([
      ['2031-02-05', false, 1, 0, 1, 0, 0, 0, 0],
      ['week-2031-02-03', false, 0, 0, 0, 0, 0, 0, 0],
      ['2031-02-03', true, 1, 2, 0, 0, 0, 1, 1],
      ['2031-01-05', true, 1, 3, 0, 0, 1, 1, 1],
    ]);
    expect(issues[0]?.publishedAt).toBeNull();
    expect(issues[2]?.publishedAt).toBe('2031-02-03T08:00:00.000Z');
    expect(
      seen(
        'page',
        (await o.ledger.issues(2, 'week-2031-02-03')).map((i) => i.issue),
      ),
    ).toEqual(['2031-02-03', '2031-01-05']);
    expect(await o.ledger.issues(2, '2031-01-05')).toEqual([]);
    const keys = [
      { issue: '2031-02-03', round: 0, startedAt: '2031-02-03T08:00:00.000Z' },
      { issue: '2031-01-05', round: 0, startedAt: '2031-01-05T08:00:00.000Z' },
      { issue: '2031-02-05', round: 0, startedAt: '2031-02-05T08:00:00.000Z' },
    ];
    expect(seen('aftermath', await o.ledger.aftermath(keys))).toEqual([
      { bounced: 0, complained: 1, unsubscribed: 1 },
      { bounced: 1, complained: 1, unsubscribed: 1 },
      { bounced: 0, complained: 0, unsubscribed: 0 },
    ]);
    expect(await o.ledger.aftermath([])).toEqual([]);
  });
});
