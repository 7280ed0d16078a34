import { afterEach, describe, expect, it } from 'vitest';
import { recordComplaint } from '../../src/inbound/complaint.ts';
import { eraseSubscriber } from '../../src/subscribers/index.ts';
import { WEBHOOK_EVENT_TYPES } from '../../src/webhooks/index.ts';
import { paperboy } from '../helpers/cli.ts';
import { SECRET } from '../helpers/dispatch.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';
import { post, startWeb, type TestWeb } from '../helpers/web.ts';
import { WEBHOOK_SECRET, WebhookReceiver, type Received } from '../helpers/webhook-receiver.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

// A receiver on loopback, and a web server whose settings send it every event.
async function setUp(
  settings: Record<string, string> = {},
): Promise<{ receiver: WebhookReceiver; web: TestWeb; hooks: Record<string, string> }> {
  const receiver = new WebhookReceiver(WEBHOOK_SECRET);
  await receiver.up();
  closers.push(() => receiver.down());
  const hooks = { PAPERBOY_WEBHOOK_URL: receiver.url, PAPERBOY_WEBHOOK_SECRET: WEBHOOK_SECRET, ...settings };
  const web = await startWeb({ env: hooks, app: { webhookTiming: { pollMs: 30, firstRetryMs: 50 } } });
  closers.push(() => web.close());
  return { receiver, web, hooks };
}

// The settings a command run against the same project takes.
function commandEnv(web: TestWeb, more: Record<string, string>): Record<string, string> {
  const { config } = web.app;
  return {
    PAPERBOY_DATA_DIR: config.dataDir,
    PAPERBOY_DIGESTS_DIR: config.digestsDir,
    PAPERBOY_OUT_DIR: config.outDir,
    PAPERBOY_FROM: config.from,
    PAPERBOY_SECRET: SECRET,
    ...more,
  };
}

const ofSubscriber = (received: Received[], id: number) => received.filter((r) => r.data.subscriberId === id).map((r) => r.type);

describe('webhooks from the real flows', () => {
  it('sends each event type, signed, once, with ids and what changed but no address', async () => {
    const { receiver, web, hooks } = await setUp();
    expect(web.app.deliverWebhooks()).toBeDefined();
    const add = async (email: string, status: 'pending' | 'confirmed') =>
      (await web.store.add({ email, status, source: 'test' })).subscriber;
    const ann = await add('ann@example.org', 'pending');
    const [bob, cat, dan] = [
      await add('bob@example.org', 'confirmed'),
      await add('cat@example.org', 'confirmed'),
      await add('dan@example.org', 'confirmed'),
    ];

    expect((await post(web, '/confirm', { token: await web.token('confirm', ann.id) })).status).toBe(200);
    const sink = new SmtpSink();
    await sink.start();
    closers.push(() => sink.stop());
    const sent = await paperboy(['dispatch', '--date', '2031-02-03'], {
      env: commandEnv(web, { ...hooks, PAPERBOY_SMTP_URL: `smtp://127.0.0.1:${sink.port}` }),
    });
    expect(sent.status, sent.stderr).toBe(0);
    expect(sink.messages).toHaveLength(4);
    expect((await post(web, '/unsubscribe', { token: await web.token('unsubscribe', ann.id) })).status).toBe(200);
    // As the inbound receiver records a bounce report and a feedback report.
    await web.store.recordBounce(bob.id, 'hard', 'delivery status 5.1.1 (failed) for bob@example.org', 1);
    expect(await recordComplaint(web.app.subscriptions, cat, 'abuse feedback report, found by its return path')).toBe('complaint');
    await eraseSubscriber(web.app.privacy, 'dan@example.org');
    // The operator removes one who never confirmed.
    const fay = await add('fay@example.org', 'pending');
    const removed = await paperboy(['subscribers', 'remove', 'fay@example.org'], { env: commandEnv(web, hooks) });
    expect(removed.stdout).toBe('removed fay@example.org\n');
    // A relay that defers everyone: the round stops with its deliveries queued.
    await add('eve@example.org', 'confirmed');
    const deferring = new SmtpSink({ rcpt: () => ({ code: 451, message: '4.7.1 try again later' }) });
    await deferring.start();
    closers.push(() => deferring.stop());
    const relay = { ...hooks, PAPERBOY_SMTP_URL: `smtp://127.0.0.1:${deferring.port}`, PAPERBOY_SMTP_ATTEMPTS: '1' };
    const stopped = await paperboy(['dispatch', '--date', '2031-01-05'], { env: commandEnv(web, relay) });
    expect(stopped.status).toBe(1);

    await receiver.until((received) => WEBHOOK_EVENT_TYPES.every((type) => received.some((r) => r.type === type)) && received.length >= 10);
    expect(receiver.forged).toEqual([]);
    const received = receiver.received;
    expect(new Set(received.map((r) => r.id)).size).toBe(received.length);
    expect(received.map((r) => r.type).sort()).toEqual(
      [
        'subscriber.confirmed',
        'dispatch.finished',
        'issue.published',
        'subscriber.unsubscribed',
        'subscriber.bounced',
        'subscriber.complained',
        'subscriber.unsubscribed',
        'subscriber.removed',
        'subscriber.erased',
        'dispatch.stopped',
      ].sort(),
    );
    for (const r of received) {
      expect(JSON.stringify(r)).not.toContain('@');
      expect(Date.parse(r.timestamp)).toBeGreaterThan(0);
    }
    const find = (type: string, id?: number) =>
      received.find((r) => r.type === type && (id === undefined || r.data.subscriberId === id))?.data;
    expect(find('subscriber.confirmed', ann.id)).toEqual({
      subscriberId: ann.id,
      status: 'confirmed',
      previousStatus: 'pending',
      reason: 'confirmed on the web',
    });
    expect(find('subscriber.unsubscribed', ann.id)).toEqual({
      subscriberId: ann.id,
      status: 'unsubscribed',
      previousStatus: 'confirmed',
      reason: 'unsubscribed on the web',
    });
    expect(find('subscriber.bounced', bob.id)).toEqual({
      subscriberId: bob.id,
      bounce: 'hard',
      status: 'bounced',
      previousStatus: 'confirmed',
    });
    expect(find('subscriber.complained', cat.id)).toMatchObject({
      subscriberId: cat.id,
      reason: 'abuse feedback report, found by its return path',
    });
    expect(find('subscriber.removed')).toEqual({ subscriberId: fay.id, status: 'pending' });
    expect(find('subscriber.erased')).toEqual({ subscriberId: dan.id });
    expect(find('dispatch.finished')).toMatchObject({ issue: '2031-02-03', round: 0, sent: 4, failed: 0 });
    expect(find('issue.published')).toMatchObject({ issue: '2031-02-03', mailed: true });
    expect(find('dispatch.stopped')).toMatchObject({ issue: '2031-01-05', sent: 0, queued: 1 });
    expect(String(find('dispatch.stopped')?.reason)).toMatch(/could not be made now/);
    // In order for each subscriber: a complaint, then the departure it caused.
    expect(ofSubscriber(received, ann.id)).toEqual(['subscriber.confirmed', 'subscriber.unsubscribed']);
    expect(ofSubscriber(received, cat.id)).toEqual(['subscriber.complained', 'subscriber.unsubscribed']);
    await receiver.until(async () => (await web.app.webhookEvents.pending()) === 0);

    const status = await paperboy(['status'], { env: commandEnv(web, hooks) });
    expect(status.stdout).toContain('webhooks: nothing undelivered (1 receiver)');
    const json = JSON.parse((await paperboy(['status', '--json'], { env: commandEnv(web, hooks) })).stdout) as { webhooks: unknown };
    expect(json.webhooks).toEqual({ receivers: 1, pending: 0, oldest: null, lastError: null });
  });

  it('carries the address only when asked, never in an erasure, and takes it out of what still waits when erased', async () => {
    const { receiver, web } = await setUp({ PAPERBOY_WEBHOOK_INCLUDE_EMAIL: '1' });
    const ann = (await web.store.add({ email: 'ann@example.org', source: 'test' })).subscriber;
    const bob = (await web.store.add({ email: 'bob@example.org', source: 'test' })).subscriber;
    await web.store.setStatus(ann.id, 'confirmed', 'confirmed on the web');
    await web.store.setStatus(bob.id, 'confirmed', 'confirmed on the web');
    // Ann is erased before her confirmation went out: it goes without her address.
    await eraseSubscriber(web.app.privacy, 'ann@example.org');
    web.app.deliverWebhooks();
    await receiver.until((received) => received.length === 3);
    expect(receiver.received.map((r) => [r.type, r.data])).toEqual([
      ['subscriber.confirmed', { subscriberId: ann.id, status: 'confirmed', previousStatus: 'pending', reason: 'confirmed on the web' }],
      [
        'subscriber.confirmed',
        { subscriberId: bob.id, email: 'bob@example.org', status: 'confirmed', previousStatus: 'pending', reason: 'confirmed on the web' },
      ],
      ['subscriber.erased', { subscriberId: ann.id }],
    ]);
  });

  it('writes each event in the transaction of its change: a change undone leaves no event', async () => {
    const { web } = await setUp();
    const ann = (await web.store.add({ email: 'ann@example.org', source: 'test' })).subscriber;
    await expect(
      web.store.transaction(async () => {
        await web.store.setStatus(ann.id, 'confirmed', 'confirmed on the web');
        await web.app.ledger.publications.record('2031-02-03', false, 'empty');
        expect(await web.app.webhookEvents.pending()).toBe(2);
        throw new Error('undone');
      }),
    ).rejects.toThrow('undone');
    expect((await web.store.get(ann.id))?.status).toBe('pending');
    expect(await web.app.ledger.publications.get('2031-02-03')).toBeUndefined();
    expect(await web.app.webhookEvents.pending()).toBe(0);
    await web.store.setStatus(ann.id, 'confirmed', 'confirmed on the web');
    expect(await web.app.webhookEvents.pending()).toBe(1);
  });

  it('writes no event at all while no receiver is set', async () => {
    const web = await startWeb();
    closers.push(() => web.close());
    expect(web.app.deliverWebhooks()).toBeUndefined();
    const ann = (await web.store.add({ email: 'ann@example.org', source: 'test' })).subscriber;
    expect((await post(web, '/confirm', { token: await web.token('confirm', ann.id) })).status).toBe(200);
    await web.store.recordBounce(ann.id, 'hard', 'delivery status 5.1.1 (failed)', 1);
    await eraseSubscriber(web.app.privacy, 'ann@example.org');
    await web.app.ledger.publications.record('2031-02-03', false, 'empty');
    expect(await web.sql.get('SELECT count(*) AS n FROM webhook_events')).toEqual({ n: 0 });
    const status = await paperboy(['status'], { env: { PAPERBOY_DATA_DIR: web.dataDir } });
    expect(status.stdout).toContain('webhooks: off (PAPERBOY_WEBHOOK_URL is not set)');
  });
});
