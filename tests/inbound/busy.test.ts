import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { spoolDir, type Receiver } from '../../src/inbound/index.ts';
import { signToken, type Subscriber, type SubscriberStore } from '../../src/subscribers/index.ts';
import { SECRET } from '../helpers/dispatch.ts';
import { arf, dsn, plainMessage as message, smtpClient, startInbound } from '../helpers/inbound.ts';
import { holdWriteLock, type LockHolder } from '../helpers/lock-holder.ts';
import { has } from '../helpers/peers.ts';

const started: Receiver[] = [];
const locks: LockHolder[] = [];
afterEach(async () => {
  for (const lock of locks.splice(0)) await lock.release();
  for (const receiver of started.splice(0)) await receiver.close();
});

const address = (purpose: 'unsubscribe' | 'bounce', s: Subscriber) => `papers+${purpose}-${signToken(SECRET, purpose, s)}@list.example.org`;

// A plain SMTP client, as a mail server delivering to the receiver is: it only waits for the answer.
async function deliver(receiver: Receiver, from: string, to: string, raw: string): Promise<string> {
  const client = smtpClient(receiver.port);
  try {
    return (await client.sendMail({ envelope: { from, to: [to] }, raw: raw.replace(/\r?\n/g, '\r\n') })).response;
  } finally {
    client.close();
  }
}

// The three that were lost: an unsubscribe by email, a hard bounce, a complaint. Each is answered.
async function sendThree(receiver: Receiver, people: Subscriber[]): Promise<string[]> {
  const [leaving, gone, angry] = people as [Subscriber, Subscriber, Subscriber];
  const reported = message({
    From: 'papers@list.example.org',
    To: angry.email,
    Subject: 'Papers',
    'List-Unsubscribe': `<mailto:${address('unsubscribe', angry)}>`,
  });
  return [
    await deliver(receiver, leaving.email, address('unsubscribe', leaving), message({ From: leaving.email, Subject: 'unsubscribe' })),
    await deliver(receiver, '', address('bounce', gone), dsn('5.1.1', 'failed', gone.email)),
    await deliver(receiver, 'fbl@isp.example.net', 'papers+fbl@list.example.org', arf({ original: reported })),
  ];
}

async function expectApplied(store: SubscriberStore, people: Subscriber[]): Promise<void> {
  const [leaving, gone, angry] = people as [Subscriber, Subscriber, Subscriber];
  expect((await store.get(leaving.id))?.status).toBe('unsubscribed');
  expect(await store.get(gone.id)).toMatchObject({ status: 'bounced', hardBounces: 1 });
  expect((await store.get(angry.id))?.status).toBe('unsubscribed');
  // Once each: one event of each kind in each history.
  expect((await store.history(leaving.id)).filter((e) => e.kind === 'unsubscribed')).toHaveLength(1);
  expect((await store.history(gone.id)).filter((e) => e.kind === 'bounced')).toHaveLength(1);
  expect((await store.history(angry.id)).filter((e) => e.kind === 'complaint')).toHaveLength(1);
}

const kept = async (dataDir: string) => (await readdir(spoolDir(dataDir))).filter((name) => name.endsWith('.msg'));

describe('a database another process holds locked', () => {
  it.runIf(has('processes'))(
    'loses nothing it answered 250 to: kept on disk while locked, acted on in order after a restart, once',
    async () => {
      const first = await startInbound({ waitMs: 200 });
      started.push(first.receiver);
      const people = [];
      for (const name of ['leaving', 'gone', 'angry'])
        people.push((await first.store.add({ email: `${name}@example.net`, status: 'confirmed', source: 'test' })).subscriber);
      const lock = await holdWriteLock(first.dataDir);
      locks.push(lock);
      const answers = await sendThree(first.receiver, people);
      expect(answers.map((answer) => answer.slice(0, 3))).toEqual(['250', '250', '250']);
      await sleep(1000);
      // Nothing done while the lock is held, and nothing dropped: all three wait on disk.
      expect(await Promise.all(people.map(async (p) => (await first.store.get(p.id))?.status))).toEqual([
        'confirmed',
        'confirmed',
        'confirmed',
      ]);
      expect(first.receiver.outcomes).toEqual([]);
      expect(await kept(first.dataDir)).toHaveLength(3);
      // The receiver stops while the lock is still held (a restart), then the lock goes.
      await started.pop()?.close();
      await locks.pop()?.release();
      const second = await startInbound({ dataDir: first.dataDir, waitMs: 200 });
      started.push(second.receiver);
      await second.receiver.idle();
      expect(second.receiver.outcomes).toEqual(['unsubscribed', 'hard bounce', 'complaint']);
      await expectApplied(second.store, people);
      expect(await second.subscriptions.suppressions.reason('angry@example.net')).toBe('complaint');
      expect(await kept(first.dataDir)).toEqual([]);
    },
  );

  it.runIf(has('processes'))('acts on what it kept as soon as the lock is let go, once', async () => {
    const inbound = await startInbound({ waitMs: 200 });
    started.push(inbound.receiver);
    const people = [];
    for (const name of ['leaving', 'gone', 'angry'])
      people.push((await inbound.store.add({ email: `${name}@example.net`, status: 'confirmed', source: 'test' })).subscriber);
    locks.push(await holdWriteLock(inbound.dataDir));
    expect((await sendThree(inbound.receiver, people)).every((answer) => answer.startsWith('250'))).toBe(true);
    await sleep(500);
    expect(inbound.receiver.outcomes).toEqual([]);
    await locks.pop()?.release();
    await inbound.receiver.idle();
    expect(inbound.receiver.outcomes).toEqual(['unsubscribed', 'hard bounce', 'complaint']);
    await expectApplied(inbound.store, people);
    expect(await kept(inbound.dataDir)).toEqual([]);
  });

  it('answers 451 (try again) when it cannot keep a message, and takes the retry', async () => {
    const inbound = await startInbound({ waitMs: 200 });
    started.push(inbound.receiver);
    const { subscriber } = await inbound.store.add({ email: 'leaving@example.net', status: 'confirmed', source: 'test' });
    const spool = spoolDir(inbound.dataDir);
    await rm(spool, { recursive: true });
    await writeFile(spool, 'not a folder');
    const attempt = () =>
      deliver(
        inbound.receiver,
        subscriber.email,
        address('unsubscribe', subscriber),
        message({ From: subscriber.email, Subject: 'unsubscribe' }),
      );
    await expect(attempt()).rejects.toMatchObject({ responseCode: 451 });
    await inbound.receiver.idle();
    expect((await inbound.store.get(subscriber.id))?.status).toBe('confirmed');
    await rm(spool);
    await mkdir(spool);
    expect(await attempt()).toMatch(/^250/);
    await inbound.receiver.idle();
    expect((await inbound.store.get(subscriber.id))?.status).toBe('unsubscribed');
    expect(inbound.receiver.outcomes).toEqual(['unsubscribed']);
  });

  it('keeps a message that fails for another reason in failed/, whole', async () => {
    const inbound = await startInbound({ send: () => Promise.reject(new Error('the relay is down')) });
    started.push(inbound.receiver);
    const raw = message({ From: 'newcomer@example.net', Subject: 'subscribe' });
    expect(await deliver(inbound.receiver, 'newcomer@example.net', 'papers@list.example.org', raw)).toMatch(/^250/);
    await inbound.receiver.idle();
    expect(await kept(inbound.dataDir)).toEqual([]);
    const failed = join(spoolDir(inbound.dataDir), 'failed');
    const names = await readdir(failed);
    expect(names).toHaveLength(1);
    expect(await readFile(join(failed, names[0] as string), 'utf8')).toContain(raw.replace(/\n/g, '\r\n'));
    // Mail holds addresses: only this user reads it.
    expect((await stat(spoolDir(inbound.dataDir))).mode & 0o777).toBe(0o700);
    expect((await stat(join(failed, names[0] as string))).mode & 0o777).toBe(0o600);
  });
});
