import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import { senderOf } from '../../src/config.ts';
import { composeNotice, fileTransport } from '../../src/deliver/index.ts';
import { startReceiver, type Receiver } from '../../src/inbound/index.ts';
import { silentLogger } from '../../src/log.ts';
import { templateSource } from '../../src/render/index.ts';
import { Suppressions, type Notice, type SubscriberStore, type SubscriptionContext } from '../../src/subscribers/index.ts';
import { SECRET, tempDatabase } from './dispatch.ts';
import { root } from './paths.ts';
import { SITE } from './site.ts';

/** The list address every inbound test writes to. */
export const LIST_FROM = 'Daily Papers <papers@list.example.org>';

/** A receiver on a free loopback port over a fresh list, and ways to write to it. */
export interface TestInbound {
  receiver: Receiver;
  store: SubscriberStore;
  subscriptions: SubscriptionContext;
  /** Sends a raw message and waits until the receiver acted on it. */
  send(to: string, from: string, raw: string): Promise<unknown>;
  /** What the list sent back (confirmations, links), parsed. */
  mail(): Promise<ParsedMail[]>;
}

/** Starts a receiver; `send` is how its notices go out (an outbox folder by default). */
export async function startInbound(options: { send?: (notice: Notice) => Promise<void> } = {}): Promise<TestInbound> {
  const { db, store, dataDir } = await tempDatabase();
  const outbox = join(dataDir, 'outbox');
  const sender = senderOf(LIST_FROM);
  const transport = fileTransport(outbox);
  const subscriptions: SubscriptionContext = {
    store,
    suppressions: new Suppressions(db, SECRET),
    templates: templateSource(join(root, 'templates')),
    secret: SECRET,
    site: SITE,
    sender,
    send: options.send ?? (async (notice) => void (await transport.send(await composeNotice(sender, notice)))),
  };
  const receiver = await startReceiver(subscriptions, silentLogger, { port: 0, host: '127.0.0.1' });
  const client = nodemailer.createTransport({ host: '127.0.0.1', port: receiver.port, secure: false, ignoreTLS: true, connectionTimeout: 5000 });
  return {
    receiver,
    store,
    subscriptions,
    async send(to, from, raw) {
      const info = await client.sendMail({ envelope: { from, to: [to] }, raw: raw.replace(/\r?\n/g, '\r\n') });
      await receiver.idle();
      return info;
    },
    mail: async () => Promise.all((await readdir(outbox).catch(() => [] as string[])).map(async (f) => simpleParser(await readFile(join(outbox, f))))),
  };
}

/** A plain message with these headers. */
export function plainMessage(headers: Record<string, string>, body = 'hello'): string {
  return `${Object.entries(headers).map(([k, v]) => `${k}: ${v}`).join('\n')}\nMessage-ID: <${Math.random()}@sender.example>\n\n${body}\n`;
}

/** A delivery status notification (RFC 3464) reporting on one recipient. */
export function dsn(status: string, action: string, recipient: string): string {
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
