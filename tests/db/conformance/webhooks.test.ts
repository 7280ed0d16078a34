import { expect, it } from 'vitest';
import { onEachStore, RECEIVERS } from './stores.ts';

const [A, B] = RECEIVERS as [string, string];

onEachStore('the webhook queue', (owners, seen) => {
  it('hands out what is due, first in line per subject and receiver, holds it, and forgets it once delivered', async () => {
    const o = owners();
    const { webhooks } = o;
    const event = (id: string, subject: string) => ({ id, type: 'subscriber.confirmed', subject, body: `{"n":"${id}"}` });
    await webhooks.add(event('e1', 'subscriber:1'), [A, B]);
    await webhooks.add(event('e2', 'subscriber:1'), [A]);
    await webhooks.add(event('e3', 'subscriber:2'), [A]);
    await expect(webhooks.add(event('e1', 'subscriber:1'), [A])).rejects.toThrow();
    expect(seen('pending', await webhooks.pending())).toBe(4);
    const claimed = seen('claimed', await webhooks.claim(10, 30_000));
    // e2 waits behind e1 for the same subject and receiver.
    expect(claimed.map((c) => [c.seq, c.id, c.url, c.attempts])).toEqual([
      [1, 'e1', A, 0],
      [2, 'e1', B, 0],
      [4, 'e3', A, 0],
    ]);
    expect(await webhooks.claim(10, 30_000)).toEqual([]);
    expect(seen('next due', (await webhooks.nextDue())?.toISOString())).toBe('2031-03-02T08:00:00.000Z');
    await webhooks.delivered(1);
    await webhooks.failed(4, 'HTTP 500', new Date('2031-03-02T08:05:00.000Z'));
    await webhooks.failed(2, 'timed out', new Date('2031-03-02T08:05:00.000Z'));
    o.wait(30_000);
    expect(
      seen(
        'after first',
        (await webhooks.claim(1, 30_000)).map((c) => [c.id, c.url, c.body]),
      ),
    ).toEqual([['e2', A, '{"n":"e2"}']]);
    // Both failures are tried again at the same time: the later event's is the latest.
    expect(seen('backlog', await webhooks.backlog())).toEqual({ pending: 3, oldest: '2031-03-02T08:00:00.000Z', lastError: 'HTTP 500' });
    expect(seen('due now', await webhooks.dueNow())).toBe(3);
    expect((await webhooks.claim(10, 1000)).map((c) => [c.seq, c.attempts])).toEqual([
      [2, 1],
      [3, 0],
      [4, 1],
    ]);
    await webhooks.rewrite('subscriber:1', (body) => body.replace('"n"', '"m"'));
    expect(seen('rewritten', await o.sql.all('SELECT seq, body FROM webhook_events ORDER BY seq'))).toEqual([
      { seq: 2, body: '{"m":"e1"}' },
      { seq: 3, body: '{"m":"e2"}' },
      { seq: 4, body: '{"n":"e3"}' },
    ]);
    expect(seen('dropped', await webhooks.dropOthers([B]))).toBe(2);
    expect(await webhooks.dropOthers([B])).toBe(0);
    expect(await webhooks.pending()).toBe(1);
    await webhooks.delivered(2);
    expect(seen('empty', [await webhooks.backlog(), await webhooks.nextDue()])).toEqual([
      { pending: 0, oldest: null, lastError: null },
      undefined,
    ]);
  });
});

onEachStore('a transaction across owners', (owners, seen) => {
  it('keeps the changes of every owner together, or none of them', async () => {
    const o = owners();
    const { store, suppressions, ledger, webhooks, sql } = o;
    const work = async (fail: boolean) => {
      await store.transaction(async () => {
        const { subscriber } = await store.add({ email: 'x@example.org', source: 'test' });
        await store.setStatus(subscriber.id, 'confirmed', 'clicked');
        await suppressions.add('y@example.org', 'complaint');
        await ledger.publications.record('2031-03-02', true, 'mailed');
        await ledger.rounds.open('2031-03-02', 0, 'daily');
        await webhooks.add({ id: 'own', type: 'issue.published', subject: 'issue:x', body: '{}' }, [A]);
        if (fail) throw new Error('the disk is full');
      });
    };
    await expect(work(true)).rejects.toThrow('the disk is full');
    const counts = async () =>
      sql.all<{ n: number }>(
        `SELECT count(*) AS n FROM subscribers UNION ALL SELECT count(*) FROM events UNION ALL SELECT count(*) FROM suppressions
         UNION ALL SELECT count(*) FROM publications UNION ALL SELECT count(*) FROM dispatches UNION ALL SELECT count(*) FROM deliveries
         UNION ALL SELECT count(*) FROM webhook_events`,
      );
    expect(
      seen(
        'after failure',
        (await counts()).map((r) => r.n),
      ),
    ).toEqual([0, 0, 0, 0, 0, 0, 0]);
    await work(false);
    // The subscriber, two history lines, the suppression, the publication, the round, its delivery, and
    // the events: confirmed and published for two receivers each, and one more.
    expect(
      seen(
        'after success',
        (await counts()).map((r) => r.n),
      ),
    ).toEqual([1, 2, 1, 1, 1, 1, 5]);
    // Ids taken by the undone work are the store's own business: the subscriber is 1 on SQLite, maybe not on PostgreSQL.
    expect((await store.find('x@example.org'))?.status).toBe('confirmed');
  });

  it('undoes a change whose listener fails, with the events it wrote, the ledger’s as the list’s', async () => {
    const o = owners();
    o.failListeners('the queue is unwell');
    await expect(o.ledger.publications.record('2031-03-02', true, 'mailed')).rejects.toThrow('the queue is unwell');
    await o.store.add({ email: 'z@example.org', source: 'test', status: 'confirmed' });
    await expect(o.store.recordComplaint(1, 'abuse')).rejects.toThrow('the queue is unwell');
    const round = await o.ledger.rounds.open('2031-03-02', 0, 'daily');
    await expect(o.ledger.rounds.close(round.id, await o.ledger.rounds.tally('2031-03-02', 0), '')).rejects.toThrow('the queue is unwell');
    expect(
      seen('kept', [
        await o.ledger.publications.get('2031-03-02'),
        (await o.store.history(1)).map((e) => e.kind),
        (await o.ledger.rounds.latestRound('2031-03-02'))?.status,
        await o.webhooks.pending(),
      ]),
    ).toEqual([undefined, ['added'], 'running', 0]);
    o.failListeners(undefined);
    await o.ledger.publications.record('2031-03-02', true, 'mailed');
    expect(await o.webhooks.pending()).toBe(2);
  });

  it('runs a transaction inside another as part of it', async () => {
    const o = owners();
    await expect(
      o.store.transaction(async () => {
        await o.store.add({ email: 'outer@example.org', source: 'test' });
        await o.ledger.publications.record('2031-03-02', true, 'inner transaction');
        throw new Error('the outer one fails');
      }),
    ).rejects.toThrow('the outer one fails');
    expect(seen('nothing', [await o.store.count(), await o.ledger.publications.last()])).toEqual([0, undefined]);
  });
});
