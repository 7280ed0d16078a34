import type { ParsedMail } from 'mailparser';
import type { Logger } from '../log.ts';
import { confirm, requestSubscription, requestUnsubscribe, unsubscribe, verifyToken, type Subscriber, type SubscriptionContext, type TokenPurpose } from '../subscribers/index.ts';
import type { Mailbox } from './addresses.ts';
import { isAutoReply, readDsn } from './dsn.ts';

/** What a message did, for the log and the tests. */
export type InboundOutcome =
  | 'subscription requested'
  | 'unsubscribe link requested'
  | 'confirmed'
  | 'unsubscribed'
  | 'hard bounce'
  | 'soft bounce'
  | 'ignored: automatic reply'
  | 'ignored: not a delivery status notification'
  | 'ignored: no request'
  | 'ignored: bad token';

function senderOf(message: ParsedMail, envelopeFrom: string): string {
  return message.replyTo?.value[0]?.address ?? message.from?.value[0]?.address ?? envelopeFrom;
}

function requestWord(message: ParsedMail): 'subscribe' | 'unsubscribe' | undefined {
  const first = `${message.subject ?? ''}`.trim() || (message.text ?? '').trim().split(/\s+/)[0] || '';
  const m = /^(un)?subscribe\b/i.exec(first);
  return m ? (m[1] ? 'unsubscribe' : 'subscribe') : undefined;
}

/** Does what one message to one of the list's addresses asks; nothing it does is undone by sending it again. */
export async function handleInbound(ctx: SubscriptionContext, log: Logger, mailbox: Mailbox, message: ParsedMail, envelopeFrom: string): Promise<InboundOutcome> {
  const outcome = await act(ctx, mailbox, message, envelopeFrom);
  log.info('inbound', { to: mailbox.kind, outcome, messageId: message.messageId });
  return outcome;
}

function holderOf(ctx: SubscriptionContext, purpose: TokenPurpose, token: string): Subscriber | undefined {
  const checked = verifyToken(ctx.secret, purpose, token);
  return 'subscriberId' in checked ? ctx.store.get(checked.subscriberId) : undefined;
}

async function act(ctx: SubscriptionContext, mailbox: Mailbox, message: ParsedMail, envelopeFrom: string): Promise<InboundOutcome> {
  if (mailbox.kind === 'bounce') {
    // Checked before the auto-reply test: a report is itself automatic.
    const subscriber = holderOf(ctx, 'bounce', mailbox.token);
    if (!subscriber) return 'ignored: bad token';
    const dsn = readDsn(message);
    if (!dsn) return isAutoReply(message) ? 'ignored: automatic reply' : 'ignored: not a delivery status notification';
    if (dsn.permanent) {
      ctx.store.recordHardBounce(subscriber.id, `delivery status ${dsn.status} (${dsn.action})`, 1);
      return 'hard bounce';
    }
    if (dsn.status.startsWith('4')) {
      ctx.store.recordSoftBounce(subscriber.id, `delivery status ${dsn.status} (${dsn.action})`);
      return 'soft bounce';
    }
    return 'ignored: not a delivery status notification';
  }
  if (isAutoReply(message)) return 'ignored: automatic reply';
  if (mailbox.kind === 'unsubscribe') {
    const subscriber = holderOf(ctx, 'unsubscribe', mailbox.token);
    if (!subscriber) return 'ignored: bad token';
    unsubscribe(ctx.store, subscriber, 'unsubscribed by email (List-Unsubscribe mailto)');
    return 'unsubscribed';
  }
  if (mailbox.kind === 'confirm') {
    const subscriber = holderOf(ctx, 'confirm', mailbox.token);
    if (!subscriber) return 'ignored: bad token';
    confirm(ctx.store, subscriber, 'confirmed by replying to the confirmation email');
    return 'confirmed';
  }
  const wanted = mailbox.subaddress ?? requestWord(message);
  const sender = senderOf(message, envelopeFrom);
  if (wanted === 'subscribe') {
    await requestSubscription(ctx, { email: sender, topics: [], cadence: 'daily', source: 'email' });
    return 'subscription requested';
  }
  if (wanted === 'unsubscribe') {
    await requestUnsubscribe(ctx, sender);
    return 'unsubscribe link requested';
  }
  return 'ignored: no request';
}
