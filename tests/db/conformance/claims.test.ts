import { expect, it } from 'vitest';
import { refusedReason } from '../../../src/ledger/index.ts';
import { onEachStore, type Owners } from './stores.ts';

const ISSUE = '2031-03-02';
// Long enough never to run out during a test, on either store's clock.
const LEASE = 600_000;

// Subscribers 1–8, confirmed daily, queued in round 0 of the issue.
async function queuedRound(o: Owners): Promise<number> {
  for (let n = 1; n <= 8; n++) await o.store.add({ email: `reader${n}@example.org`, source: 'test', status: 'confirmed' });
  return (await o.ledger.rounds.open(ISSUE, 0, 'daily')).id;
}

const ids = (rows: { subscriberId: number }[]) => rows.map((r) => r.subscriberId);

onEachStore('the claims of senders', (owners, seen) => {
  it('hand each queued delivery to one sender at a time, in id order, from where a sender was', async () => {
    const o = owners();
    const { claims } = o.ledger;
    await queuedRound(o);
    expect(seen('a', ids(await claims.claim(ISSUE, 0, 'a', 3, LEASE)))).toEqual([1, 2, 3]);
    expect(seen('b', ids(await claims.claim(ISSUE, 0, 'b', 2, LEASE)))).toEqual([4, 5]);
    // Going on from where it was, or from the first again: what another holds is not handed out.
    expect(seen('a after 3', ids(await claims.claim(ISSUE, 0, 'a', 2, LEASE, 3)))).toEqual([6, 7]);
    expect(seen('b from the first', ids(await claims.claim(ISSUE, 0, 'b', 9, LEASE)))).toEqual([8]);
    expect(await claims.claim(ISSUE, 0, 'c', 9, LEASE)).toEqual([]);
    expect(seen('left', await claims.left(ISSUE, 0))).toEqual({ held: 8, waiting: 0, last: 0, aside: 0, queued: 8 });
    // An outcome lets go of the claim; what is given back or released can be taken at once.
    await o.ledger.rounds.record(ISSUE, 0, 1, 'sent', { messageId: '<1@x>', attempts: 1 });
    await claims.giveBack(ISSUE, 0, 'a', [2, 4]);
    // 4 was b's, not a's: a could not give it back; b lets go of all it holds.
    expect(await claims.release('b')).toBe(3);
    expect(seen('c', ids(await claims.claim(ISSUE, 0, 'c', 9, LEASE)))).toEqual([2, 4, 5, 8]);
    expect(seen('renewed', await claims.renew('a', LEASE))).toBe(3);
    expect(await claims.renew('b', LEASE)).toBe(0);
  });

  it('put a delivery back to wait for its time or set aside for the run, only by its holder', async () => {
    const o = owners();
    const { claims, rounds } = o.ledger;
    await queuedRound(o);
    await claims.claim(ISSUE, 0, 'a', 3, LEASE);
    expect(await claims.putBack(ISSUE, 0, 1, 'b', { attempts: 1, reply: '451 later', delayMs: LEASE })).toBe(false);
    expect(await claims.putBack(ISSUE, 0, 1, 'a', { attempts: 1, reply: '451 later', delayMs: LEASE })).toBe(true);
    const refused = { attempts: 1, reply: '550 5.7.1 policy', reason: refusedReason('5.7.1'), delayMs: 'aside' as const };
    expect(await claims.putBack(ISSUE, 0, 2, 'a', refused)).toBe(true);
    expect(await claims.putBack(ISSUE, 0, 3, 'a', { attempts: 4, reply: '451 still', delayMs: 'aside' })).toBe(true);
    expect(seen('delivery', await rounds.delivery(ISSUE, 0, 2))).toEqual({
      status: 'queued',
      attempts: 1,
      lastReply: '550 5.7.1 policy',
      reason: 'refused by the relay (5.7.1)',
      messageId: '',
    });
    expect(seen('left', await claims.left(ISSUE, 0))).toEqual({ held: 0, waiting: 1, last: 0, aside: 2, queued: 8 });
    expect(seen('the rest', ids(await claims.claim(ISSUE, 0, 'b', 9, LEASE)))).toEqual([4, 5, 6, 7, 8]);
    await claims.release('b');
    // The round opened again: the one failing for now and the one waiting come back first, the refused one last.
    await claims.bringBack(ISSUE, 0);
    expect(seen('left reopened', await claims.left(ISSUE, 0))).toEqual({ held: 0, waiting: 0, last: 1, aside: 0, queued: 8 });
    expect(seen('first', ids(await claims.claim(ISSUE, 0, 'b', 9, LEASE)))).toEqual([1, 3, 4, 5, 6, 7, 8]);
    expect(await claims.claim(ISSUE, 0, 'b', 9, LEASE)).toEqual([]);
    expect(await claims.bringBackLast(ISSUE, 0)).toBe(1);
    const last = await claims.claim(ISSUE, 0, 'b', 9, LEASE);
    expect(
      seen(
        'last',
        last.map((d) => [d.subscriberId, d.attempts]),
      ),
    ).toEqual([[2, 1]]);
  });

  it("take back every lease of a round only when told to (a sole sender's reopening)", async () => {
    const o = owners();
    const { claims } = o.ledger;
    await queuedRound(o);
    await claims.claim(ISSUE, 0, 'gone', 4, LEASE);
    await claims.bringBack(ISSUE, 0);
    expect((await claims.left(ISSUE, 0)).held).toBe(4);
    await claims.bringBack(ISSUE, 0, { leases: true });
    expect(seen('left', await claims.left(ISSUE, 0))).toEqual({ held: 0, waiting: 0, last: 0, aside: 0, queued: 8 });
    expect(seen('claimed', ids(await claims.claim(ISSUE, 0, 'next', 2, LEASE)))).toEqual([1, 2]);
    expect(await claims.renew('gone', LEASE)).toBe(0);
  });

  it('keep the round running for every sender until one stops it, and list the senders with what they hold', async () => {
    const o = owners();
    const { claims, rounds } = o.ledger;
    const id = await queuedRound(o);
    await claims.stamp(id, 'print');
    expect(seen('running', await claims.running())).toEqual([
      { id, issue: ISSUE, round: 0, startedAt: '2031-03-02T08:00:00.000Z', fingerprint: 'print' },
    ]);
    await claims.register({ id: 'w1', host: 'h', pid: 1, leaseMs: LEASE });
    await claims.claim(ISSUE, 0, 'w1', 3, LEASE);
    await claims.note('w1', 'left something alone');
    const [sender] = await claims.senders();
    expect(seen('sender', { ...sender, silentMs: undefined })).toEqual({
      id: 'w1',
      host: 'h',
      pid: 1,
      startedAt: '2031-03-02T08:00:00.000Z',
      silentMs: undefined,
      leaseMs: LEASE,
      lapsed: false,
      note: 'left something alone',
      held: [{ issue: ISSUE, round: 0, count: 3 }],
    });
    expect(await claims.stop(id, await rounds.tally(ISSUE, 0), 'the relay refuses to send')).toBe(true);
    expect(await claims.stop(id, await rounds.tally(ISSUE, 0), 'again')).toBe(false);
    expect(seen('stopped', await claims.statusOf(id))).toBe('stopped');
    expect((await rounds.latestRound(ISSUE))?.note).toBe('the relay refuses to send');
    await claims.unregister('w1');
    expect(await claims.senders()).toEqual([]);
    expect((await claims.left(ISSUE, 0)).held).toBe(0);
  });
});
