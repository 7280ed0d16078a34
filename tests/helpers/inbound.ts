import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import nodemailer from 'nodemailer';
import { senderOf, type AddressRange } from '../../src/config.ts';
import { openDatabase, sqliteSql } from '../../src/db/index.ts';
import { composeNotice, fileTransport } from '../../src/deliver/index.ts';
import { startReceiver, type Receiver } from '../../src/inbound/index.ts';
import { openLedger, type IssueLedger } from '../../src/ledger/index.ts';
import { silentLogger } from '../../src/log.ts';
import { templateSource } from '../../src/render/index.ts';
import { SubscriberStore, Suppressions, type Notice, type SubscriptionContext } from '../../src/subscribers/index.ts';
import { SECRET } from './dispatch.ts';
import { root } from './paths.ts';
import { SITE } from './site.ts';

/** The list address every inbound test writes to. */
export const LIST_FROM = 'Daily Papers <papers@list.example.org>';

/** A receiver on a free loopback port over a fresh list, and ways to write to it. */
export interface TestInbound {
  receiver: Receiver;
  store: SubscriberStore;
  /** The list's ledger: which Message-ID was sent to whom. */
  ledger: IssueLedger;
  subscriptions: SubscriptionContext;
  /** Its data folder: the database, and the messages kept until they are acted on. */
  dataDir: string;
  /** Sends a raw message and waits until the receiver acted on it. */
  send(to: string, from: string, raw: string): Promise<unknown>;
  /** What the list sent back (confirmations, links), parsed. */
  mail(): Promise<ParsedMail[]>;
}

/** How a test receiver is started: how its notices go out, its data folder, how long a write waits for a busy database. */
export interface InboundOptions {
  send?: (notice: Notice) => Promise<void>;
  dataDir?: string;
  waitMs?: number;
  /** Addresses (or networks) of the operator's own forwarding mail server. */
  trusted?: readonly AddressRange[];
}

/**
 * Starts a receiver over a database opened as the servers open it (never blocking while another
 * process writes), in a fresh data folder unless given one; `send` is how its notices go out (an
 * outbox folder by default).
 */
export async function startInbound(options: InboundOptions = {}): Promise<TestInbound> {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'paperboy-data-')));
  const sql = sqliteSql(openDatabase(dataDir, { busyTimeoutMs: 0 }), { waitMs: options.waitMs ?? 2_000 });
  const store = new SubscriberStore(sql);
  const outbox = join(dataDir, 'outbox');
  const sender = senderOf(LIST_FROM);
  const transport = fileTransport(outbox);
  const subscriptions: SubscriptionContext = {
    store,
    suppressions: new Suppressions(sql, SECRET),
    templates: templateSource(join(root, 'templates')),
    secret: SECRET,
    site: SITE,
    sender,
    send: options.send ?? (async (notice) => void (await transport.send(await composeNotice(sender, notice)))),
    now: () => new Date(),
  };
  const ledger = openLedger(sql);
  const receiver = await startReceiver(
    subscriptions,
    silentLogger,
    { port: 0, host: '127.0.0.1' },
    { dataDir, trusted: options.trusted, deliveries: ledger.rounds },
  );
  const client = smtpClient(receiver.port);
  return {
    receiver,
    store,
    ledger,
    subscriptions,
    dataDir,
    async send(to, from, raw) {
      const info = await client.sendMail({ envelope: { from, to: [to] }, raw: raw.replace(/\r?\n/g, '\r\n') });
      await receiver.idle();
      return info;
    },
    mail: async () =>
      Promise.all((await readdir(outbox).catch(() => [] as string[])).map(async (f) => simpleParser(await readFile(join(outbox, f))))),
  };
}

/** A plain message with these headers. */
export function plainMessage(headers: Record<string, string>, body = 'hello'): string {
  return `${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\n')}\nMessage-ID: <${Math.random()}@sender.example>\n\n${body}\n`;
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

/** How a feedback-loop report (ARF, RFC 5965) is made. */
export interface ArfOptions {
  /** The reported message, whole or its header only. */
  original: string;
  /** `message/rfc822` (the default) or `text/rfc822-headers` (the header only). */
  attach?: 'message' | 'headers';
  /** The attached part in base64, as some providers send it. */
  base64?: boolean;
  feedbackType?: string;
  originalMailFrom?: string;
}

/** A feedback-loop report about a message, as a mailbox provider sends one. */
export function arf(options: ArfOptions): string {
  const original = options.original.replace(/\r?\n/g, '\r\n');
  const attached = options.attach === 'headers' ? original.slice(0, original.indexOf('\r\n\r\n') + 2) : original;
  const body = options.base64
    ? (
        Buffer.from(attached)
          .toString('base64')
          .match(/.{1,76}/g) ?? []
      ).join('\r\n')
    : attached;
  return [
    'From: Feedback Loop <fbl@isp.example.net>',
    'To: papers+fbl@list.example.org',
    'Subject: Abuse report',
    'MIME-Version: 1.0',
    'Content-Type: multipart/report; report-type="feedback-report";',
    '\tboundary="ARF-part"',
    '',
    'This is a multi-part message in MIME format.',
    '--ARF-part',
    'Content-Type: text/plain; charset="US-ASCII"',
    '',
    'This is an email abuse report for an email message received on a date.',
    '--ARF-part',
    'Content-Type: message/feedback-report',
    '',
    `Feedback-Type: ${options.feedbackType ?? 'abuse'}`,
    'User-Agent: SomeFeedbackLoop/1.0',
    'Version: 1',
    ...(options.originalMailFrom ? [`Original-Mail-From: <${options.originalMailFrom}>`] : []),
    'Arrival-Date: Thu, 8 Mar 2005 14:00:00 EDT',
    'Reported-Domain: list.example.org',
    '',
    '--ARF-part',
    `Content-Type: ${options.attach === 'headers' ? 'text/rfc822-headers' : 'message/rfc822'}`,
    ...(options.base64 ? ['Content-Transfer-Encoding: base64'] : []),
    'Content-Disposition: inline',
    '',
    body,
    '--ARF-part--',
    '',
  ].join('\r\n');
}

/** A plain SMTP client of the receiver on `port`, as a mail server delivering to it is. */
export function smtpClient(port: number) {
  return nodemailer.createTransport({ host: '127.0.0.1', port, secure: false, ignoreTLS: true, connectionTimeout: 5000 });
}
