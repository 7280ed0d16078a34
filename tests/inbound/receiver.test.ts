import { afterAll, describe, expect, it } from 'vitest';
import { INBOUND_SIZE_LIMIT } from '../../src/inbound/index.ts';
import { signToken } from '../../src/subscribers/index.ts';
import { SECRET } from '../helpers/dispatch.ts';
import { dsn, plainMessage as message, startInbound } from '../helpers/inbound.ts';

const { receiver, store, send, mail } = await startInbound();
afterAll(() => receiver.close());

describe('the inbound receiver', () => {
  it('subscribes by email with double opt-in, confirmed by replying', async () => {
    await send(
      'papers+subscribe@list.example.org',
      'ann@example.net',
      message({ From: 'Ann <ann@example.net>', To: 'papers+subscribe@list.example.org', Subject: 'hi' }),
    );
    expect((await store.find('ann@example.net'))?.status).toBe('pending');
    const confirmation = (await mail()).find((m) => m.subject?.startsWith('Confirm'));
    const replyTo = confirmation?.replyTo?.value[0]?.address ?? '';
    expect(replyTo).toMatch(/^papers\+confirm-c[0-9a-z]+-[0-9a-z]+-[0-9a-f]+@list\.example\.org$/);
    expect(confirmation?.text).toMatch(/\/confirm\?token=/);
    await send(
      replyTo,
      'ann@example.net',
      message({ From: 'ann@example.net', To: replyTo, Subject: 'Re: Confirm your subscription' }, 'yes please'),
    );
    expect((await store.find('ann@example.net'))?.status).toBe('confirmed');
    expect((await store.history((await store.find('ann@example.net'))?.id ?? 0)).map((e) => e.kind)).toEqual([
      'added',
      'confirmation-sent',
      'confirmed',
      'welcome-sent',
    ]);
  });

  it('takes "subscribe" in the subject at the list address, and sends a link for a plain "unsubscribe"', async () => {
    await send('papers@list.example.org', 'bob@example.net', message({ From: 'bob@example.net', Subject: 'Subscribe' }));
    expect((await store.find('bob@example.net'))?.status).toBe('pending');
    const { subscriber } = await store.add({ email: 'carl@example.net', status: 'confirmed', source: 'test' });
    await send('papers+unsubscribe@list.example.org', 'carl@example.net', message({ From: 'carl@example.net', Subject: 'unsubscribe' }));
    expect((await store.get(subscriber.id))?.status).toBe('confirmed');
    expect((await mail()).find((m) => m.subject?.startsWith('Unsubscribe from'))?.text).toContain('/unsubscribe?token=');
  });

  it('unsubscribes at once through the List-Unsubscribe mailto', async () => {
    const { subscriber } = await store.add({ email: 'dana@example.net', status: 'confirmed', source: 'test' });
    const to = `papers+unsubscribe-${signToken(SECRET, 'unsubscribe', subscriber)}@list.example.org`;
    await send(to, 'dana@example.net', message({ From: 'dana@example.net', Subject: 'unsubscribe' }));
    expect((await store.get(subscriber.id))?.status).toBe('unsubscribed');
  });

  it('marks a subscriber bounced on a permanent failure, and only after a run of temporary ones', async () => {
    const hard = (await store.add({ email: 'gone@example.net', status: 'confirmed', source: 'test' })).subscriber;
    await send(`papers+bounce-${signToken(SECRET, 'bounce', hard)}@list.example.org`, '', dsn('5.1.1', 'failed', 'gone@example.net'));
    expect((await store.get(hard.id))?.status).toBe('bounced');
    const soft = (await store.add({ email: 'full@example.net', status: 'confirmed', source: 'test' })).subscriber;
    const bounce = `papers+bounce-${signToken(SECRET, 'bounce', soft)}@list.example.org`;
    await send(bounce, '', dsn('4.2.2', 'failed', 'full@example.net'));
    await send(bounce, '', dsn('4.2.2', 'failed', 'full@example.net'));
    expect(await store.get(soft.id)).toMatchObject({ status: 'confirmed', softBounces: 2 });
    await send(bounce, '', dsn('4.2.2', 'failed', 'full@example.net'));
    expect((await store.get(soft.id))?.status).toBe('bounced');
  });

  it('changes nothing for an auto-reply or a malformed report', async () => {
    const { subscriber } = await store.add({ email: 'away@example.net', status: 'confirmed', source: 'test' });
    const bounce = `papers+bounce-${signToken(SECRET, 'bounce', subscriber)}@list.example.org`;
    const before = (await store.history(subscriber.id)).length;
    await send(
      bounce,
      'away@example.net',
      message({ From: 'away@example.net', Subject: 'Out of Office: back Monday', 'Auto-Submitted': 'auto-replied' }),
    );
    await send(
      bounce,
      '',
      message(
        {
          From: 'mailer-daemon@mx.example.net',
          Subject: 'failure',
          'Content-Type': 'multipart/report; report-type=delivery-status; boundary="X"',
        },
        '--X\nContent-Type: text/plain\n\nnothing useful\n--X--',
      ),
    );
    await send(
      'papers@list.example.org',
      'away@example.net',
      message({ From: 'away@example.net', Subject: 'Automatic reply: subscribe', 'X-Autoreply': 'yes' }),
    );
    expect(await store.get(subscriber.id)).toMatchObject({ status: 'confirmed', softBounces: 0, hardBounces: 0 });
    expect(await store.history(subscriber.id)).toHaveLength(before);
    expect(receiver.outcomes.slice(-3)).toEqual(['ignored: automatic reply', 'ignored: automatic reply', 'ignored: automatic reply']);
  });

  it('refuses other domains and unknown mailboxes at RCPT, and oversized messages', async () => {
    await expect(send('someone@elsewhere.example', 'x@example.net', message({ Subject: 'relay?' }))).rejects.toMatchObject({
      responseCode: 550,
    });
    await expect(send('postmaster@list.example.org', 'x@example.net', message({ Subject: 'hi' }))).rejects.toMatchObject({
      responseCode: 550,
    });
    await expect(
      send('papers@list.example.org', 'x@example.net', message({ Subject: 'subscribe' }, 'x'.repeat(INBOUND_SIZE_LIMIT + 1000))),
    ).rejects.toMatchObject({ responseCode: 552 });
    expect(await store.find('x@example.net')).toBeUndefined();
  });
});
