import { randomBytes } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { Sender } from '../config.ts';
import type { Notice } from '../subscribers/index.ts';
import type { Outgoing } from './transport.ts';

/** Composes a notice (a confirmation link, a note) as one plain-text message from the list. */
export async function composeNotice(sender: Sender, notice: Notice): Promise<Outgoing> {
  const messageId = `paperboy.${notice.kind}.${Date.now().toString(36)}.${randomBytes(6).toString('hex')}@${sender.domain}`;
  const mail = new MailComposer({
    from: sender.from,
    to: notice.to,
    subject: notice.subject,
    // Lines end in CRLF as they will on the wire, so that a signature covers the bytes that arrive.
    text: notice.text.replace(/\r?\n/g, '\r\n'),
    messageId: `<${messageId}>`,
    ...(notice.replyTo ? { replyTo: notice.replyTo } : {}),
    headers: { 'Auto-Submitted': 'auto-generated' },
  });
  const raw = await mail.compile().build();
  return { envelope: { from: notice.returnPath ?? sender.address, to: notice.to }, messageId, parts: [raw] };
}
