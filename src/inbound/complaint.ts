import type { Rounds } from '../ledger/index.ts';
import {
  mailboxOf,
  subscriberOfToken,
  unsubscribeTokenIn,
  type Subscriber,
  type SubscriptionContext,
  type TokenPurpose,
} from '../subscribers/index.ts';
import type { FeedbackReport } from './arf.ts';

/** Where the deliveries are recorded: which Message-ID went to whom. */
export type Deliveries = Pick<Rounds, 'delivery'>;

/** Feedback that reports the mail as unwanted; `not-spam` and `auth-failure` (DMARC) reports are not. */
const COMPLAINT_TYPES = new Set(['abuse', 'fraud', 'virus']);

/** Whether a feedback report is a complaint about the mail. */
export function isComplaint(report: FeedbackReport): boolean {
  return COMPLAINT_TYPES.has(report.feedbackType);
}

/** The subscriber a token of ours names for this purpose, and when it was made; undefined for any other. */
export async function tokenHolder(
  ctx: SubscriptionContext,
  purpose: TokenPurpose,
  token: string | undefined,
): Promise<{ subscriber: Subscriber; issuedAt: Date | undefined } | undefined> {
  if (token === undefined) return undefined;
  const checked = await subscriberOfToken(ctx.store, ctx.secret, purpose, token, ctx.now());
  return 'subscriber' in checked ? checked : undefined;
}

function bounceToken(ctx: SubscriptionContext, returnPath: string | undefined): string | undefined {
  const box = returnPath === undefined ? undefined : mailboxOf(returnPath, ctx.sender);
  return box?.kind === 'bounce' ? box.token : undefined;
}

// A Message-ID of ours (`paperboy.<issue>.<round>.<subscriber>.<mac>@<domain>`) counts only when the
// ledger shows that very message sent to that subscriber: the MAC it carries, made with the list's
// secret, is what keeps it from being guessed.
async function sentTo(
  ctx: SubscriptionContext,
  deliveries: Deliveries | undefined,
  messageId: string | undefined,
): Promise<Subscriber | undefined> {
  const given = (messageId ?? '').toLowerCase();
  const m = /^paperboy\.([^.@]+)\.(\d+)\.(\d+)\.[0-9a-f]+@/.exec(given);
  if (!m || !deliveries) return undefined;
  const [issue, round, id] = [m[1] as string, Number(m[2]), Number(m[3])];
  const delivery = await deliveries.delivery(issue, round, id);
  if (!delivery || delivery.messageId.toLowerCase() !== given || !['sent', 'doubt'].includes(delivery.status)) return undefined;
  return ctx.store.get(id);
}

/**
 * The subscriber a report is about, found in the reported message: a signed token in its
 * List-Unsubscribe or its return path (VERP), or its Message-ID as the ledger recorded it. Never
 * by a From or To address alone, which anyone can write.
 */
export async function reportedSubscriber(
  ctx: SubscriptionContext,
  report: FeedbackReport,
  deliveries: Deliveries | undefined,
): Promise<{ subscriber: Subscriber; by: string } | undefined> {
  const original = report.original;
  // Tried in this order, each only when the ones before found nobody.
  const ways: [string, () => Promise<Subscriber | undefined>][] = [
    [
      'List-Unsubscribe token',
      async () => (await tokenHolder(ctx, 'unsubscribe', unsubscribeTokenIn(original?.listUnsubscribe)))?.subscriber,
    ],
    [
      'return path',
      async () =>
        (await tokenHolder(ctx, 'bounce', bounceToken(ctx, report.originalMailFrom) ?? bounceToken(ctx, original?.returnPath)))?.subscriber,
    ],
    ['Message-ID', () => sentTo(ctx, deliveries, original?.messageId)],
  ];
  for (const [by, find] of ways) {
    const subscriber = await find();
    if (subscriber) return { subscriber, by };
  }
  return undefined;
}

/**
 * Records a complaint: the subscriber is unsubscribed, with a `complaint` event in their history,
 * and their address suppressed, so that no import brings it back; only a fresh double opt-in does.
 * A second report about someone already unsubscribed for a complaint changes nothing.
 */
export async function recordComplaint(
  ctx: SubscriptionContext,
  subscriber: Subscriber,
  detail: string,
): Promise<'complaint' | 'ignored: complaint already recorded'> {
  return ctx.store.transaction(async () => {
    const current = await ctx.store.get(subscriber.id);
    if (!current) return 'ignored: complaint already recorded';
    if (current.status === 'unsubscribed' && (await ctx.suppressions.reason(current.email)) === 'complaint')
      return 'ignored: complaint already recorded';
    await ctx.store.recordComplaint(current.id, detail);
    if (current.status !== 'unsubscribed') await ctx.store.setStatus(current.id, 'unsubscribed', `spam complaint (${detail})`);
    await ctx.suppressions.add(current.email, 'complaint');
    return 'complaint';
  });
}
