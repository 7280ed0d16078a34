import type { ParsedMail } from 'mailparser';
import type { Logger } from '../log.ts';
import {
  addressProblem,
  confirm,
  requestSubscription,
  requestUnsubscribe,
  unsubscribe,
  welcome,
  type Mailbox,
  type Subscriber,
  type SubscriptionContext,
} from '../subscribers/index.ts';
import { readFeedbackReport, type FeedbackReport } from './arf.ts';
import { isComplaint, recordComplaint, reportedSubscriber, tokenHolder, type Deliveries } from './complaint.ts';
import { isAutoReply, readDsn } from './dsn.ts';

/** What a message did, for the log and the tests. */
export type InboundOutcome =
  | 'subscription requested'
  | 'unsubscribe link requested'
  | 'confirmed'
  | 'unsubscribed'
  | 'hard bounce'
  | 'soft bounce'
  | 'complaint'
  | 'ignored: complaint already recorded'
  | 'ignored: not a feedback report'
  | 'ignored: feedback that is not a complaint'
  | 'ignored: report names no message of ours'
  | 'ignored: automatic reply'
  | 'ignored: not a delivery status notification'
  | 'ignored: delivery still being tried'
  | 'ignored: report names someone else'
  | 'ignored: not from the address being confirmed'
  | 'ignored: link older than leaving'
  | 'ignored: no request'
  | 'ignored: bad token';

/** A reply that refuses a message for good (5xx): the sender should not try again. */
export interface Refusal {
  code: number;
  message: string;
}

/** What to do with a message: refuse it now, or take it and act after answering. */
export type InboundPlan = { refuse: Refusal } | { act: () => Promise<InboundOutcome> };

// The address a request by email is answered at: its Reply-To, else its From, else the envelope's.
function answerAddressOf(message: ParsedMail, envelopeFrom: string): string {
  return message.replyTo?.value[0]?.address ?? message.from?.value[0]?.address ?? envelopeFrom;
}

function requestWord(message: ParsedMail): 'subscribe' | 'unsubscribe' | undefined {
  const first = `${message.subject ?? ''}`.trim() || (message.text ?? '').trim().split(/\s+/)[0] || '';
  const m = /^(un)?subscribe\b/i.exec(first);
  return m ? (m[1] ? 'unsubscribe' : 'subscribe') : undefined;
}

// A complaint about the subscriber behind a return path, or about whoever the reported message names.
async function complaint(
  ctx: SubscriptionContext,
  report: FeedbackReport,
  deliveries: Deliveries | undefined,
  theirs?: Subscriber,
): Promise<InboundOutcome> {
  if (!isComplaint(report)) return 'ignored: feedback that is not a complaint';
  const found = theirs ? { subscriber: theirs, by: 'return path' } : await reportedSubscriber(ctx, report, deliveries);
  if (!found) return 'ignored: report names no message of ours';
  return recordComplaint(ctx, found.subscriber, `${report.feedbackType} feedback report, found by its ${found.by}`);
}

// A report to the feedback-loop address (`+fbl`), or to the list's own: only a feedback report is read.
async function feedback(
  ctx: SubscriptionContext,
  raw: Buffer,
  deliveries: Deliveries | undefined,
  message: ParsedMail,
  envelopeFrom: string,
): Promise<InboundOutcome> {
  const report = readFeedbackReport(raw);
  if (report) return complaint(ctx, report, deliveries);
  return isAutoReply(message, envelopeFrom) ? 'ignored: automatic reply' : 'ignored: not a feedback report';
}

// A report on a subscriber's return path: it counts only for the recipient behind that path.
async function bounce(
  ctx: SubscriptionContext,
  token: string,
  message: ParsedMail,
  envelopeFrom: string,
  raw: Buffer,
): Promise<InboundOutcome> {
  const subscriber = (await tokenHolder(ctx, 'bounce', token))?.subscriber;
  if (!subscriber) return 'ignored: bad token';
  const feedbackReport = readFeedbackReport(raw);
  if (feedbackReport) return complaint(ctx, feedbackReport, undefined, subscriber);
  const report = readDsn(message);
  if (!report) return isAutoReply(message, envelopeFrom) ? 'ignored: automatic reply' : 'ignored: not a delivery status notification';
  const theirs = report.find((r) => r.addresses.includes(subscriber.email.toLowerCase()));
  if (!theirs) return 'ignored: report names someone else';
  if (theirs.action !== 'failed') return 'ignored: delivery still being tried';
  const detail = `delivery status ${theirs.status} (${theirs.action})`;
  if (theirs.status.startsWith('5')) {
    await ctx.store.recordBounce(subscriber.id, 'hard', detail, 1);
    return 'hard bounce';
  }
  await ctx.store.recordBounce(subscriber.id, 'soft', detail);
  return 'soft bounce';
}

// A reply to a confirmation email confirms only when the person being confirmed wrote it.
async function confirmByReply(ctx: SubscriptionContext, token: string, message: ParsedMail, envelopeFrom: string): Promise<InboundOutcome> {
  const holder = await tokenHolder(ctx, 'confirm', token);
  if (!holder) return 'ignored: bad token';
  if (isAutoReply(message, envelopeFrom)) return 'ignored: automatic reply';
  const from = message.from?.value.map((a) => a.address?.toLowerCase()) ?? [];
  if (from.length !== 1 || from[0] !== holder.subscriber.email.toLowerCase()) return 'ignored: not from the address being confirmed';
  const outcome = await confirm(ctx, holder.subscriber, holder.issuedAt, 'confirmed by replying to the confirmation email');
  if (outcome === 'left since') return 'ignored: link older than leaving';
  if (outcome === 'confirmed') await welcome(ctx, holder.subscriber);
  return 'confirmed';
}

/**
 * Decides what a message to one of the list's addresses asks. A request whose sender cannot be
 * written to is refused for good; everything else is taken, and acted on after the answer, so that
 * how long the answer takes says nothing about who is on the list. Nothing done is undone by the
 * same message coming again.
 */
export function planInbound(
  ctx: SubscriptionContext,
  log: Logger,
  mailbox: Mailbox,
  message: ParsedMail,
  envelopeFrom: string,
  raw: Buffer,
  deliveries?: Deliveries,
): InboundPlan {
  const done = (run: () => InboundOutcome | Promise<InboundOutcome>): InboundPlan => ({
    act: async () => {
      const outcome = await run();
      log.info('inbound', { to: mailbox.kind, outcome, messageId: message.messageId });
      return outcome;
    },
  });
  if (mailbox.kind === 'bounce') return done(() => bounce(ctx, mailbox.token, message, envelopeFrom, raw));
  if (mailbox.kind === 'feedback') return done(() => feedback(ctx, raw, deliveries, message, envelopeFrom));
  if (mailbox.kind === 'confirm') return done(() => confirmByReply(ctx, mailbox.token, message, envelopeFrom));
  if (mailbox.kind === 'unsubscribe') {
    return done(async (): Promise<InboundOutcome> => {
      if (isAutoReply(message, envelopeFrom)) return 'ignored: automatic reply';
      const subscriber = (await tokenHolder(ctx, 'unsubscribe', mailbox.token))?.subscriber;
      if (!subscriber) return 'ignored: bad token';
      await unsubscribe(ctx.store, subscriber, 'unsubscribed by email (List-Unsubscribe mailto)');
      return 'unsubscribed';
    });
  }
  // A provider may have been given the list's own address for its feedback loop.
  const report = readFeedbackReport(raw);
  if (report) return done(() => complaint(ctx, report, deliveries));
  const wanted = mailbox.subaddress ?? requestWord(message);
  const writer = answerAddressOf(message, envelopeFrom).trim();
  const problem = addressProblem(writer);
  if (wanted !== undefined && problem)
    return {
      refuse: { code: 550, message: `5.1.7 the sender's address ${writer === '' ? 'is empty' : problem}: there is nobody to answer` },
    };
  if (isAutoReply(message, envelopeFrom)) return done(() => 'ignored: automatic reply');
  if (wanted === undefined) return done(() => 'ignored: no request');
  if (wanted === 'subscribe') {
    return done(async (): Promise<InboundOutcome> => {
      await requestSubscription(ctx, { email: writer, topics: [], cadence: 'daily', source: 'email' });
      return 'subscription requested';
    });
  }
  return done(async (): Promise<InboundOutcome> => {
    await requestUnsubscribe(ctx, writer);
    return 'unsubscribe link requested';
  });
}
