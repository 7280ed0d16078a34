import { connect } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { signToken, subscriberOfToken } from '../../src/subscribers/index.ts';
import { SECRET } from '../helpers/dispatch.ts';
import { dsn, plainMessage as message, startInbound } from '../helpers/inbound.ts';

// The relay the list's notices go through: it takes each at once, unless a test holds it.
let relay: Promise<void> = Promise.resolve();
let noticesSent = 0;
const inbound = await startInbound({ send: () => relay.then(() => void noticesSent++) });
const { receiver, store, send } = inbound;
afterAll(() => receiver.close());

const bounceTo = async (id: number) =>
  `papers+bounce-${signToken(SECRET, 'bounce', (await store.get(id)) ?? { id, tokenKey: '' })}@list.example.org`;
const confirmTo = async (id: number) =>
  `papers+confirm-${signToken(SECRET, 'confirm', (await store.get(id)) ?? { id, tokenKey: '' }, Date.now() / 1000 + 3600)}@list.example.org`;

describe('bounce reports', () => {
  it('count nothing for "delayed" warnings, forget soft bounces after a delivery, and change nothing when they name someone else', async () => {
    const { subscriber } = await store.add({ email: 'slow@example.net', status: 'confirmed', source: 'test' });
    for (let i = 0; i < 4; i++) await send(await bounceTo(subscriber.id), '', dsn('4.4.7', 'delayed', 'slow@example.net'));
    expect(await store.get(subscriber.id)).toMatchObject({ status: 'confirmed', softBounces: 0 });
    await send(await bounceTo(subscriber.id), '', dsn('4.2.2', 'failed', 'slow@example.net'));
    await send(await bounceTo(subscriber.id), '', dsn('4.2.2', 'failed', 'slow@example.net'));
    expect((await store.get(subscriber.id))?.softBounces).toBe(2);
    await store.recordDelivered(subscriber.id);
    await send(await bounceTo(subscriber.id), '', dsn('4.2.2', 'failed', 'slow@example.net'));
    expect(await store.get(subscriber.id)).toMatchObject({ status: 'confirmed', softBounces: 1 });
    await send(await bounceTo(subscriber.id), '', dsn('5.1.1', 'failed', 'somebody-else@example.net'));
    expect(await store.get(subscriber.id)).toMatchObject({ status: 'confirmed', hardBounces: 0 });
    expect(receiver.outcomes.at(-1)).toBe('ignored: report names someone else');
  });
});

describe('confirming by reply', () => {
  it('confirms only a reply written by the address being confirmed, never an auto-answer', async () => {
    const { subscriber } = await store.add({ email: 'ann@example.net', source: 'test' });
    const to = await confirmTo(subscriber.id);
    const answers = [
      { From: 'helpdesk@example.net', Subject: 'Re: Confirm your subscription' },
      { From: 'ann@example.net', Subject: 'Out of Office: back on Monday' },
      { From: 'ann@example.net', Subject: 'Automatic reply: Confirm your subscription' },
      { From: 'ann@example.net', Subject: '[Ticket #48213] Confirm your subscription' },
      { From: 'ann@example.net', Subject: 'Re: Confirm', 'X-Autoreply': 'yes' },
      { From: 'ann@example.net', Subject: 'Re: Confirm', Precedence: 'bulk' },
      { From: 'ann@example.net', Subject: 'We have received your request' },
    ];
    for (const headers of answers) await send(to, 'ann@example.net', message({ ...headers, To: to }));
    expect((await store.get(subscriber.id))?.status).toBe('pending');
    await send(to, 'ann@example.net', message({ From: 'Ann <ann@example.net>', To: to, Subject: 'Re: Confirm your subscription' }, 'yes'));
    expect((await store.get(subscriber.id))?.status).toBe('confirmed');
  });

  it('does not bring back someone who left after the confirmation was sent', async () => {
    const { subscriber } = await store.add({ email: 'left@example.net', source: 'test' });
    const to = await confirmTo(subscriber.id);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await store.setStatus(subscriber.id, 'unsubscribed', 'test');
    await send(to, 'left@example.net', message({ From: 'left@example.net', To: to, Subject: 'Re: Confirm your subscription' }));
    expect((await store.get(subscriber.id))?.status).toBe('unsubscribed');
  });
});

describe('answers', () => {
  it('take as long for a listed address as for any other: the answer never waits for the link email', async () => {
    await store.add({ email: 'listed@example.net', status: 'confirmed', source: 'test' });
    await receiver.idle();
    const client = (await import('nodemailer')).default.createTransport({
      host: '127.0.0.1',
      port: receiver.port,
      secure: false,
      ignoreTLS: true,
    });
    const answer = (from: string) =>
      client.sendMail({
        envelope: { from, to: ['papers+unsubscribe@list.example.org'] },
        raw: message({ From: from, Subject: 'unsubscribe' }).replace(/\n/g, '\r\n'),
      });
    // The relay holds every notice until the answers are in: an answer that waited for the link
    // email would never come (and the guard below says so instead of the test's timeout).
    let letGo: () => void = () => {};
    relay = new Promise((resolve) => (letGo = resolve));
    const before = noticesSent;
    try {
      const guard = new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('the answer waited for the link email')), 10_000).unref(),
      );
      const listed = await Promise.race([answer('listed@example.net'), guard]);
      const unlisted = await Promise.race([answer('nobody@example.net'), guard]);
      expect(noticesSent).toBe(before);
      expect(listed.response.slice(0, 3)).toBe(unlisted.response.slice(0, 3));
    } finally {
      letGo();
      relay = Promise.resolve();
      client.close();
    }
    await receiver.idle();
    // The link email went out once the relay took it, to the listed address only.
    expect(noticesSent).toBe(before + 1);
  });

  it('refuse for good (5xx) what cannot be done: an empty or invalid sender, MIME nested without end', async () => {
    await expect(send('papers+subscribe@list.example.org', '', message({ Subject: 'subscribe' }))).rejects.toMatchObject({
      responseCode: 550,
    });
    await expect(
      send('papers+subscribe@list.example.org', 'x@example.net', message({ From: 'not an address', Subject: 'subscribe' })),
    ).rejects.toMatchObject({ responseCode: 550 });
    let nested = 'leaf\n';
    for (let depth = 2000; depth > 0; depth--)
      nested = `--b${depth}\nContent-Type: multipart/mixed; boundary="b${depth + 1}"\n\n${nested}--b${depth}--\n`;
    const deep = message(
      { From: 'deep@example.net', Subject: 'subscribe', 'MIME-Version': '1.0', 'Content-Type': 'multipart/mixed; boundary="b1"' },
      nested,
    );
    await expect(send('papers+subscribe@list.example.org', 'deep@example.net', deep)).rejects.toMatchObject({ responseCode: 554 });
    expect(await store.find('deep@example.net')).toBeUndefined();
  });
});

describe('limits', () => {
  it('are per client address: one client holding many connections shuts out only itself', async () => {
    const greeting = (host: string) =>
      new Promise<{ code: string; socket: import('node:net').Socket }>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: receiver.port, localAddress: host });
        socket.once('data', (data: Buffer) => resolve({ code: data.toString().slice(0, 3), socket }));
        socket.once('error', reject);
      });
    const hog = await Promise.all(Array.from({ length: 12 }, () => greeting('127.0.0.1')));
    expect(hog.filter((c) => c.code === '421').length).toBeGreaterThan(0);
    const other = await greeting('127.0.0.2');
    expect(other.code).toBe('220');
    for (const { socket } of [...hog, other]) socket.destroy();
    // The tokens the receiver checks still name their subscribers.
    const { subscriber } = await store.add({ email: 'token@example.net', source: 'test' });
    expect('subscriber' in (await subscriberOfToken(store, SECRET, 'bounce', signToken(SECRET, 'bounce', subscriber), new Date()))).toBe(
      true,
    );
  });
});
