import { afterAll, describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import nodemailer from 'nodemailer';
import { startReceiver, INBOUND_SIZE_LIMIT } from '../../src/inbound/index.ts';
import { senderOf } from '../../src/config.ts';
import { composeNotice, fileTransport } from '../../src/deliver/index.ts';
import { silentLogger } from '../../src/log.ts';
import { templateSource } from '../../src/render/index.ts';
import { signToken, type Notice } from '../../src/subscribers/index.ts';
import { SECRET, tempDatabase } from '../helpers/dispatch.ts';
import { root } from '../helpers/paths.ts';
import { SITE } from '../helpers/site.ts';

const { store, dataDir } = await tempDatabase();
const outbox = join(dataDir, 'outbox');
const FROM = 'Daily Papers <papers@list.example.org>';
const sender = senderOf(FROM);
const transport = fileTransport(outbox);
const subscriptions = {
  store,
  templates: templateSource(join(root, 'templates')),
  secret: SECRET,
  site: SITE,
  sender,
  send: async (notice: Notice) => void (await transport.send(await composeNotice(sender, notice))),
};
const receiver = await startReceiver(subscriptions, silentLogger, { port: 0, host: '127.0.0.1' });
afterAll(() => receiver.close());

const client = nodemailer.createTransport({ host: '127.0.0.1', port: receiver.port, secure: false, ignoreTLS: true, connectionTimeout: 5000 });
const send = async (to: string, from: string, raw: string) => {
  const info = await client.sendMail({ envelope: { from, to: [to] }, raw: raw.replace(/\r?\n/g, '\r\n') });
  await receiver.idle();
  return info;
};
const message = (headers: Record<string, string>, body = 'hello') => `${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\n')}\nMessage-ID: <${Math.random()}@sender.example>\n\n${body}\n`;
const mail = async () => Promise.all((await readdir(outbox).catch(() => [] as string[])).map(async (f) => simpleParser(await readFile(join(outbox, f)))));

function dsn(status: string, action: string, recipient = 'reader@example.net'): string {
  return [
    'From: Mail Delivery System <mailer-daemon@mx.example.net>',
    'To: papers+bounce@list.example.org',
    'Subject: Undelivered Mail Returned to Sender',
    'Auto-Submitted: auto-replied',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type=delivery-status; boundary="B"',
    '',
    '--B',
    'Content-Type: text/plain',
    '',
    'Your message could not be delivered.',
    '--B',
    'Content-Type: message/delivery-status',
    '',
    'Reporting-MTA: dns; mx.example.net',
    '',
    `Final-Recipient: rfc822; ${recipient}`,
    `Action: ${action}`,
    `Status: ${status}`,
    '',
    '--B--',
    '',
  ].join('\n');
}

describe('the inbound receiver', () => {
  it('subscribes by email with double opt-in, confirmed by replying', async () => {
    await send('papers+subscribe@list.example.org', 'ann@example.net', message({ From: 'Ann <ann@example.net>', To: 'papers+subscribe@list.example.org', Subject: 'hi' }));
    expect(store.find('ann@example.net')?.status).toBe('pending');
    const confirmation = (await mail()).find((m) => m.subject?.startsWith('Confirm'));
    const replyTo = confirmation?.replyTo?.value[0]?.address ?? '';
    expect(replyTo).toMatch(/^papers\+confirm-c[0-9a-z]+-[0-9a-z]+-[0-9a-f]+@list\.example\.org$/);
    expect(confirmation?.text).toMatch(/\/confirm\?token=/);
    await send(replyTo, 'ann@example.net', message({ From: 'ann@example.net', To: replyTo, Subject: 'Re: Confirm your subscription' }, 'yes please'));
    expect(store.find('ann@example.net')?.status).toBe('confirmed');
    expect(store.history(store.find('ann@example.net')?.id ?? 0).map((e) => e.kind)).toEqual(['added', 'confirmation-sent', 'confirmed']);
  });

  it('takes "subscribe" in the subject at the list address, and sends a link for a plain "unsubscribe"', async () => {
    await send('papers@list.example.org', 'bob@example.net', message({ From: 'bob@example.net', Subject: 'Subscribe' }));
    expect(store.find('bob@example.net')?.status).toBe('pending');
    const { subscriber } = store.add({ email: 'carl@example.net', status: 'confirmed', source: 'test' });
    await send('papers+unsubscribe@list.example.org', 'carl@example.net', message({ From: 'carl@example.net', Subject: 'unsubscribe' }));
    expect(store.get(subscriber.id)?.status).toBe('confirmed');
    expect((await mail()).find((m) => m.subject?.startsWith('Unsubscribe from'))?.text).toContain('/unsubscribe?token=');
  });

  it('unsubscribes at once through the List-Unsubscribe mailto', async () => {
    const { subscriber } = store.add({ email: 'dana@example.net', status: 'confirmed', source: 'test' });
    const to = `papers+unsubscribe-${signToken(SECRET, 'unsubscribe', subscriber)}@list.example.org`;
    await send(to, 'dana@example.net', message({ From: 'dana@example.net', Subject: 'unsubscribe' }));
    expect(store.get(subscriber.id)?.status).toBe('unsubscribed');
  });

  it('marks a subscriber bounced on a permanent failure, and only after a run of temporary ones', async () => {
    const hard = store.add({ email: 'gone@example.net', status: 'confirmed', source: 'test' }).subscriber;
    await send(`papers+bounce-${signToken(SECRET, 'bounce', hard)}@list.example.org`, '', dsn('5.1.1', 'failed', 'gone@example.net'));
    expect(store.get(hard.id)?.status).toBe('bounced');
    const soft = store.add({ email: 'full@example.net', status: 'confirmed', source: 'test' }).subscriber;
    const bounce = `papers+bounce-${signToken(SECRET, 'bounce', soft)}@list.example.org`;
    await send(bounce, '', dsn('4.2.2', 'failed', 'full@example.net'));
    await send(bounce, '', dsn('4.2.2', 'failed', 'full@example.net'));
    expect(store.get(soft.id)).toMatchObject({ status: 'confirmed', softBounces: 2 });
    await send(bounce, '', dsn('4.2.2', 'failed', 'full@example.net'));
    expect(store.get(soft.id)?.status).toBe('bounced');
  });

  it('changes nothing for an auto-reply or a malformed report', async () => {
    const { subscriber } = store.add({ email: 'away@example.net', status: 'confirmed', source: 'test' });
    const bounce = `papers+bounce-${signToken(SECRET, 'bounce', subscriber)}@list.example.org`;
    const before = store.history(subscriber.id).length;
    await send(bounce, 'away@example.net', message({ From: 'away@example.net', Subject: 'Out of Office: back Monday', 'Auto-Submitted': 'auto-replied' }));
    await send(bounce, '', message({ From: 'mailer-daemon@mx.example.net', Subject: 'failure', 'Content-Type': 'multipart/report; report-type=delivery-status; boundary="X"' }, '--X\nContent-Type: text/plain\n\nnothing useful\n--X--'));
    await send('papers@list.example.org', 'away@example.net', message({ From: 'away@example.net', Subject: 'Automatic reply: subscribe', 'X-Autoreply': 'yes' }));
    expect(store.get(subscriber.id)).toMatchObject({ status: 'confirmed', softBounces: 0, hardBounces: 0 });
    expect(store.history(subscriber.id)).toHaveLength(before);
    expect(receiver.outcomes.slice(-3)).toEqual(['ignored: automatic reply', 'ignored: automatic reply', 'ignored: automatic reply']);
  });

  it('refuses other domains and unknown mailboxes at RCPT, and oversized messages', async () => {
    await expect(send('someone@elsewhere.example', 'x@example.net', message({ Subject: 'relay?' }))).rejects.toMatchObject({ responseCode: 550 });
    await expect(send('postmaster@list.example.org', 'x@example.net', message({ Subject: 'hi' }))).rejects.toMatchObject({ responseCode: 550 });
    await expect(send('papers@list.example.org', 'x@example.net', message({ Subject: 'subscribe' }, 'x'.repeat(INBOUND_SIZE_LIMIT + 1000)))).rejects.toMatchObject({ responseCode: 552 });
    expect(store.find('x@example.net')).toBeUndefined();
  });
});
