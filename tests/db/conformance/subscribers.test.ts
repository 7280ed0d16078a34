import { expect, it } from 'vitest';
import type { Subscriber } from '../../../src/subscribers/index.ts';
import { onEachStore, START, type Owners } from './stores.ts';

// A subscriber without their token key, which is random: what two stores can agree on.
const plain = (s: Subscriber | undefined) => {
  if (s === undefined) return undefined;
  const { tokenKey, ...rest } = s;
  expect(tokenKey).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  return rest;
};

// The webhook events waiting, without their random ids, in the order they were written.
async function waiting(o: Owners) {
  const rows = await o.sql.all<{ url: string; subject: string; type: string; body: string }>(
    'SELECT url, subject, type, body FROM webhook_events ORDER BY seq',
  );
  return rows.map((r) => ({ ...r, body: JSON.parse(r.body) as unknown }));
}

onEachStore('the subscriber list', (owners, seen) => {
  it('adds, finds and gets subscribers, comparing addresses without case, and numbers them alike', async () => {
    const { store, wait } = owners();
    const ann = await store.add({ email: ' Ann.Lee@Example.ORG ', name: ' Ann ', source: 'test', topics: [' B ', 'a', 'B'] });
    expect(ann.added).toBe(true);
    expect(seen('ann', plain(ann.subscriber))).toEqual({
      id: 1,
      email: 'Ann.Lee@Example.ORG',
      name: 'Ann',
      status: 'pending',
      topics: ['B', 'a'],
      cadence: 'daily',
      source: 'test',
      createdAt: START,
      updatedAt: START,
      confirmedAt: null,
      unsubscribedAt: null,
      leftAt: null,
      hardBounces: 0,
      softBounces: 0,
    });
    wait(1000);
    const again = await store.add({ email: 'ann.lee@example.org', source: 'other', status: 'confirmed' });
    expect(again.added).toBe(false);
    seen('again', plain(again.subscriber));
    // An address already there takes no number: the next one is 2 on both stores.
    const bob = await store.add({ email: 'bob@example.org', source: 'test', status: 'confirmed', cadence: 'weekly' });
    expect(bob.subscriber.id).toBe(2);
    seen('bob', plain(bob.subscriber));
    expect(bob.subscriber.confirmedAt).toBe('2031-03-02T08:00:01.000Z');
    seen('find', plain(await store.find('ANN.LEE@EXAMPLE.ORG')));
    expect(await store.find('ann.lee@example.com')).toBeUndefined();
    expect(await store.get(99)).toBeUndefined();
    expect(plain(await store.get(2))).toEqual(plain(bob.subscriber));
    expect(await store.tokenKeyOf(1)).toBe(ann.subscriber.tokenKey);
    expect(await store.tokenKeyOf(3)).toBeUndefined();
    await expect(store.add({ email: 'no-at-sign', source: 'test' })).rejects.toThrow(
      'no-at-sign: the address is not of the form name@domain',
    );
    await expect(store.add({ email: '  ', source: 'test' })).rejects.toThrow(/^\(empty address\): /);
    seen('history', await store.history(1));
  });

  it('pages through the list by id, optionally of one status, and counts it', async () => {
    const { store } = owners();
    // More than a page of the list (500) in one transaction.
    await store.transaction(async () => {
      for (let n = 0; n < 1203; n++) {
        const status = (['pending', 'confirmed', 'unsubscribed'] as const)[n % 3];
        await store.add({ email: `reader${n}@example.org`, source: 'test', status });
      }
    });
    const all: number[] = [];
    for await (const s of store.list()) all.push(s.id);
    expect(all).toEqual(Array.from({ length: 1203 }, (_, i) => i + 1));
    const confirmed: string[] = [];
    for await (const s of store.list('confirmed')) confirmed.push(s.email);
    expect(confirmed).toHaveLength(401);
    const audience: string[] = [];
    for await (const r of owners().ledger.rounds.audience('daily')) audience.push(r.email);
    expect(audience).toEqual(confirmed);
    seen('confirmed', confirmed);
    const page = seen('page', (await store.page(10, 4, 'unsubscribed')).map(plain));
    expect(page.map((s) => s?.id)).toEqual([12, 15, 18, 21]);
    expect(seen('empty page', await store.page(1203, 10))).toEqual([]);
    expect(seen('count', [await store.count(), await store.count('pending'), await store.count('bounced')])).toEqual([1203, 401, 0]);
    expect(seen('counts', await store.counts())).toEqual({ pending: 401, confirmed: 401, unsubscribed: 401, bounced: 0 });
  });

  it('moves subscribers between statuses, with the reason in their history, and tells the webhook queue in the same step', async () => {
    const o = owners();
    const { store } = o;
    const { subscriber } = await store.add({ email: 'c@example.org', source: 'form' });
    o.wait(60_000);
    await store.setStatus(subscriber.id, 'confirmed', 'clicked the link');
    o.wait(60_000);
    await store.setPreferences(subscriber.id, ['Robotics', ' Robotics ', 'Audio'], 'weekly');
    await store.setPreferences(subscriber.id, [], 'daily');
    o.wait(60_000);
    await store.setStatus(subscriber.id, 'unsubscribed', 'one-click');
    const after = seen('after', plain(await store.get(subscriber.id)));
    expect(after).toMatchObject({
      status: 'unsubscribed',
      topics: [],
      cadence: 'daily',
      confirmedAt: '2031-03-02T08:01:00.000Z',
      unsubscribedAt: '2031-03-02T08:03:00.000Z',
      leftAt: '2031-03-02T08:03:00.000Z',
      updatedAt: '2031-03-02T08:03:00.000Z',
    });
    expect(seen('history', await store.history(subscriber.id))).toEqual([
      { at: START, kind: 'added', detail: 'pending via form' },
      { at: '2031-03-02T08:01:00.000Z', kind: 'confirmed', detail: 'clicked the link' },
      { at: '2031-03-02T08:02:00.000Z', kind: 'preferences', detail: 'weekly; Robotics, Audio' },
      { at: '2031-03-02T08:02:00.000Z', kind: 'preferences', detail: 'daily; all topics' },
      { at: '2031-03-02T08:03:00.000Z', kind: 'unsubscribed', detail: 'one-click' },
    ]);
    const events = seen('webhooks', await waiting(o));
    expect(events.map((e) => `${e.type} ${e.subject} ${e.url}`)).toEqual([
      'subscriber.confirmed subscriber:1 https://a.example.net/hook',
      'subscriber.confirmed subscriber:1 https://b.example.net/hook',
      'subscriber.unsubscribed subscriber:1 https://a.example.net/hook',
      'subscriber.unsubscribed subscriber:1 https://b.example.net/hook',
    ]);
    // A change whose listener fails is not made, nor is its event kept.
    o.failListeners('the receiver queue refused');
    await expect(store.setStatus(subscriber.id, 'confirmed', 'again')).rejects.toThrow('the receiver queue refused');
    expect((await store.get(subscriber.id))?.status).toBe('unsubscribed');
    expect(await store.history(subscriber.id)).toHaveLength(5);
    expect(await waiting(o)).toHaveLength(4);
  });

  it('counts bounces: hard ones, soft ones in a row (a delivery clears them), the limit marking the subscriber bounced', async () => {
    const o = owners();
    const { store } = o;
    const { subscriber } = await store.add({ email: 'd@example.org', status: 'confirmed', source: 'test' });
    const marks: boolean[] = [];
    marks.push(await store.recordBounce(subscriber.id, 'soft', '452 mailbox full'));
    marks.push(await store.recordBounce(subscriber.id, 'soft', '452 mailbox full'));
    expect(seen('two soft', plain(await store.get(subscriber.id)))).toMatchObject({ softBounces: 2, hardBounces: 0 });
    await store.recordDelivered(subscriber.id);
    marks.push(await store.recordBounce(subscriber.id, 'hard', '550 no such user'));
    marks.push(await store.recordBounce(subscriber.id, 'hard', '550 no such user', 2));
    marks.push(await store.recordBounce(subscriber.id, 'hard', '550 no such user', 2));
    expect(seen('marks', marks)).toEqual([false, false, false, true, false]);
    expect(seen('bounced', plain(await store.get(subscriber.id)))).toMatchObject({ status: 'bounced', hardBounces: 3, softBounces: 0 });
    await store.recordComplaint(subscriber.id, 'abuse report from example.org');
    // A bounce for no subscriber is refused (their history needs them), by both stores.
    expect(seen('nobody', await store.recordBounce(99, 'hard', 'nobody').catch(() => 'refused'))).toBe('refused');
    expect(
      seen(
        'history',
        (await store.history(subscriber.id)).map((e) => `${e.kind}: ${e.detail}`),
      ),
    ).toEqual([
      'added: confirmed via test',
      'soft-bounce: 452 mailbox full',
      'soft-bounce: 452 mailbox full',
      'hard-bounce: 550 no such user',
      'hard-bounce: 550 no such user',
      'bounced: 2 hard bounces',
      'hard-bounce: 550 no such user',
      'complaint: abuse report from example.org',
    ]);
    const events = seen('webhooks', await waiting(o));
    expect(events.filter((e) => e.url === 'https://a.example.net/hook').map((e) => e.body)).toEqual([
      ...[1, 2, 3].map(() => ({
        type: 'subscriber.bounced',
        timestamp: START,
        data: expect.objectContaining({ status: 'confirmed', previousStatus: 'confirmed' }),
      })),
      {
        type: 'subscriber.bounced',
        timestamp: START,
        data: { subscriberId: 1, email: 'd@example.org', bounce: 'hard', status: 'bounced', previousStatus: 'confirmed' },
      },
      { type: 'subscriber.bounced', timestamp: START, data: expect.objectContaining({ status: 'bounced', previousStatus: 'bounced' }) },
      { type: 'subscriber.complained', timestamp: START, data: expect.objectContaining({ reason: 'abuse report from example.org' }) },
    ]);
  });

  it('counts history events between two times, and the list by status at the end of each day', async () => {
    const o = owners();
    const { store } = o;
    o.at('2031-03-01T10:00:00.000Z');
    const a = (await store.add({ email: 'e1@example.org', source: 'test' })).subscriber.id;
    const b = (await store.add({ email: 'e2@example.org', source: 'test', status: 'confirmed' })).subscriber.id;
    o.at('2031-03-02T23:59:59.999Z');
    await store.setStatus(a, 'confirmed', 'clicked');
    o.at('2031-03-03T00:00:00.000Z');
    await store.setStatus(b, 'unsubscribed', 'one-click');
    await store.recordBounce(a, 'soft', '452');
    o.at('2031-03-04T12:00:00.000Z');
    await store.setStatus(a, 'bounced', 'by hand');
    const c = (await store.add({ email: 'e3@example.org', source: 'test' })).subscriber.id;
    await store.remove('e3@example.org');
    expect(c).toBe(3);
    // The one removed took their history with them.
    expect(seen('all', await store.eventCounts('2031-03-01T00:00:00.000Z'))).toEqual({
      added: 2,
      confirmed: 1,
      unsubscribed: 1,
      'soft-bounce': 1,
      bounced: 1,
    });
    // From a time on, before another: the end is left out.
    expect(seen('window', await store.eventCounts('2031-03-02T23:59:59.999Z', '2031-03-04T12:00:00.000Z'))).toEqual({
      confirmed: 1,
      unsubscribed: 1,
      'soft-bounce': 1,
    });
    expect(seen('by day', await store.statusByDay(['2031-02-28', '2031-03-01', '2031-03-02', '2031-03-03', '2031-03-04']))).toEqual([
      { pending: 0, confirmed: 0, unsubscribed: 0, bounced: 0 },
      { pending: 1, confirmed: 1, unsubscribed: 0, bounced: 0 },
      { pending: 0, confirmed: 2, unsubscribed: 0, bounced: 0 },
      { pending: 0, confirmed: 1, unsubscribed: 1, bounced: 0 },
      { pending: 0, confirmed: 0, unsubscribed: 1, bounced: 1 },
    ]);
  });

  it('reads the status by day over more than a page of history', async () => {
    const o = owners();
    const { store } = o;
    await store.transaction(async () => {
      for (let n = 0; n < 260; n++) {
        const { subscriber } = await store.add({ email: `h${n}@example.org`, source: 'test' });
        await store.setStatus(subscriber.id, 'confirmed', 'clicked');
        if (n % 2 === 0) await store.setStatus(subscriber.id, 'unsubscribed', 'left');
      }
    });
    expect(seen('day', await store.statusByDay(['2031-03-02']))).toEqual([{ pending: 0, confirmed: 130, unsubscribed: 130, bounced: 0 }]);
  });

  it('reserves confirmation emails per mailbox and day, gives one back, and forgets earlier days', async () => {
    const { store } = owners();
    const taken: boolean[] = [];
    for (const email of ['f@example.org', 'F+news@Example.org', 'f+x@example.org'])
      taken.push(await store.reserveConfirmation(email, '2031-03-02', 2));
    expect(seen('taken', taken)).toEqual([true, true, false]);
    expect(await store.confirmationsOn('f@example.org', '2031-03-02')).toBe(2);
    await store.releaseConfirmation('f+y@example.org', '2031-03-02');
    expect(seen('after release', await store.confirmationsOn('f@example.org', '2031-03-02'))).toBe(1);
    await store.releaseConfirmation('f@example.org', '2031-03-02');
    await store.releaseConfirmation('f@example.org', '2031-03-02');
    expect(await store.confirmationsOn('f@example.org', '2031-03-02')).toBe(0);
    expect(await store.reserveConfirmation('g@example.org', '2031-03-03', 1)).toBe(true);
    expect(seen('earlier day', await store.confirmationsOn('f@example.org', '2031-03-02'))).toBe(0);
    expect(await store.confirmationsOn('g@example.org', '2031-03-03')).toBe(1);
  });

  it('removes a subscriber with their history and deliveries', async () => {
    const o = owners();
    const { store, ledger } = o;
    const { subscriber } = await store.add({ email: 'r@example.org', source: 'test', status: 'confirmed' });
    await ledger.rounds.open('2031-03-02', 0, 'daily');
    expect(await store.remove('R@example.org')).toBe(true);
    expect(await store.remove('r@example.org')).toBe(false);
    expect(await store.get(subscriber.id)).toBeUndefined();
    expect(seen('left', [await store.history(subscriber.id), await ledger.rounds.deliveriesOf(subscriber.id)])).toEqual([[], []]);
    expect(await ledger.rounds.tally('2031-03-02', 0)).toEqual({ queued: 0, sent: 0, skipped: 0, failed: 0, doubt: 0 });
  });

  it('erases a subscriber with what runs alongside in one step, their address taken out of the events still waiting', async () => {
    const o = owners();
    const { store, suppressions, ledger } = o;
    const { subscriber } = await store.add({ email: 'Erin@example.org', source: 'test' });
    await store.setStatus(subscriber.id, 'confirmed', 'clicked');
    await store.reserveConfirmation('erin+a@example.org', '2031-03-02', 3);
    await store.reserveConfirmation('other@example.org', '2031-03-02', 3);
    await ledger.rounds.open('2031-03-02', 0, 'daily');
    // What runs alongside fails: nothing is erased.
    await expect(
      store.erase('erin@example.org', async () => {
        await suppressions.add('erin@example.org', 'erased');
        throw new Error('the disk is full');
      }),
    ).rejects.toThrow('the disk is full');
    expect(await store.find('erin@example.org')).toBeDefined();
    expect(await suppressions.reason('erin@example.org')).toBeUndefined();
    expect(await store.erase('erin@example.org', () => suppressions.add('erin@example.org', 'erased'))).toBe(true);
    expect(await store.erase('erin@example.org')).toBe(false);
    expect(await store.find('erin@example.org')).toBeUndefined();
    expect(await suppressions.reason('ERIN@example.org')).toBe('erased');
    expect(await store.confirmationsOn('erin@example.org', '2031-03-02')).toBe(0);
    expect(await store.confirmationsOn('other@example.org', '2031-03-02')).toBe(1);
    expect(await ledger.rounds.deliveriesOf(subscriber.id)).toEqual([]);
    const events = seen('webhooks', await waiting(o));
    expect(events.map((e) => e.type)).toEqual(['subscriber.confirmed', 'subscriber.confirmed', 'subscriber.erased', 'subscriber.erased']);
    expect(JSON.stringify(events)).not.toMatch(/erin/i);
  });
});

onEachStore('the suppressions', (owners, seen) => {
  it('keep a keyed hash of an address with the newest reason, until lifted, and count by reason', async () => {
    const o = owners();
    const { suppressions } = o;
    await suppressions.add('s1@example.org', 'complaint');
    await suppressions.add('s2@example.org', 'complaint');
    o.wait(1000);
    await suppressions.add('S1@EXAMPLE.ORG', 'erased');
    expect(seen('reasons', [await suppressions.reason('s1@example.org'), await suppressions.reason('s2@example.org')])).toEqual([
      'erased',
      'complaint',
    ]);
    expect(seen('counts', await suppressions.counts())).toEqual({ complaint: 1, erased: 1 });
    await suppressions.lift('s2@Example.org');
    expect(await suppressions.reason('s2@example.org')).toBeUndefined();
    expect(seen('rows', await o.sql.all('SELECT address_hash, reason, at FROM suppressions ORDER BY address_hash'))).toEqual([
      { address_hash: expect.stringMatching(/^[0-9a-f]{64}$/), reason: 'erased', at: '2031-03-02T08:00:01.000Z' },
    ]);
  });
});
