import MailComposer from 'nodemailer/lib/mail-composer';
import { senderParts } from '../deliver/dispatch.ts';
import type { Transport } from '../deliver/transport.ts';
import type { Templates } from '../render/_templates.ts';
import type { Site } from '../render/_view.ts';
import type { Db } from './db.ts';
import { addressKey, addressProblem } from './email-address.ts';
import { cleanTopics, SubscriberError, type Cadence, type Subscriber, type SubscriberStore } from './store.ts';
import { CONFIRM_TOKEN_DAYS, signToken } from './tokens.ts';

/** What the subscription flows work with, handed in. */
export interface SubscriptionContext {
  db: Db;
  store: SubscriberStore;
  transport: Transport;
  templates: Templates;
  secret: string;
  site: Site;
  from: string;
  now?: () => Date;
}

/** At most this many confirmation emails go to one address in one day. */
export const CONFIRMATIONS_PER_DAY = 3;

/** The links a subscriber's emails and pages carry. */
export function linksFor(ctx: Pick<SubscriptionContext, 'secret' | 'site'>, id: number, now = new Date()) {
  const expires = Math.floor(now.getTime() / 1000) + CONFIRM_TOKEN_DAYS * 86_400;
  return {
    confirmUrl: `${ctx.site.url}/confirm?token=${signToken(ctx.secret, 'confirm', id, expires)}`,
    unsubscribeUrl: `${ctx.site.url}/unsubscribe?token=${signToken(ctx.secret, 'unsubscribe', id)}`,
    preferencesUrl: `${ctx.site.url}/preferences?token=${signToken(ctx.secret, 'preferences', id)}`,
  };
}

// Counts a confirmation email for an address today; false once the day's allowance is used up.
function allowance(db: Db, email: string, now: Date): boolean {
  const day = now.toISOString().slice(0, 10);
  return db.transaction(() => {
    const row = db.prepare<[string, string], { count: number }>('SELECT count FROM confirmations WHERE email_key = ? AND day = ?').get(addressKey(email), day);
    if ((row?.count ?? 0) >= CONFIRMATIONS_PER_DAY) return false;
    db.prepare('INSERT INTO confirmations (email_key, day, count) VALUES (?, ?, 1) ON CONFLICT (email_key, day) DO UPDATE SET count = count + 1').run(addressKey(email), day);
    db.prepare('DELETE FROM confirmations WHERE day < ?').run(day);
    return true;
  })();
}

async function mail(ctx: SubscriptionContext, to: string, subject: string, text: string, kind: string, replyTo?: string): Promise<void> {
  const { domain } = senderParts(ctx.from);
  const messageId = `paperboy.${kind}.${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 10)}@${domain}`;
  const raw = await new MailComposer({ from: ctx.from, to, subject, text, messageId: `<${messageId}>`, ...(replyTo ? { replyTo } : {}), headers: { 'Auto-Submitted': 'auto-generated' } }).compile().build();
  await ctx.transport.send({ envelope: { from: senderParts(ctx.from).address, to }, messageId, parts: [raw] });
}

/** What became of a request to subscribe; the web page says the same in every case. */
export type RequestOutcome = 'confirmation sent' | 'already subscribed' | 'limit reached';

/**
 * Someone asked to subscribe an address: double opt-in. A new, pending, unsubscribed or bounced
 * address gets a confirmation link (their topics and cadence are kept for when they confirm); a
 * confirmed one gets a note that nothing changed. At most three such emails a day per address.
 */
export async function requestSubscription(
  ctx: SubscriptionContext,
  request: { email: string; topics: readonly string[]; cadence: Cadence; source: string },
): Promise<RequestOutcome> {
  const now = (ctx.now ?? (() => new Date()))();
  const email = request.email.trim();
  const problem = addressProblem(email);
  if (problem) throw new SubscriberError(`${email}: the address ${problem}`);
  const { subscriber, added } = ctx.store.add({ email, topics: request.topics, cadence: request.cadence, source: request.source });
  if (!allowance(ctx.db, subscriber.email, now)) return 'limit reached';
  const links = linksFor(ctx, subscriber.id, now);
  const view = { site: ctx.site, email: subscriber.email, weekly: request.cadence === 'weekly', days: 7, ...links };
  if (subscriber.status === 'confirmed') {
    await mail(ctx, subscriber.email, `You are already subscribed to ${ctx.site.title}`, ctx.templates.alreadySubscribedEmail(view), 'already');
    return 'already subscribed';
  }
  if (!added) ctx.store.setPreferences(subscriber.id, cleanTopics(request.topics), request.cadence);
  ctx.store.recordEvent(subscriber.id, 'confirmation-sent', `via ${request.source}`);
  // Replying confirms too: the reply goes to an address that carries the confirmation token.
  const { local, domain } = senderParts(ctx.from);
  const replyTo = `${local}+confirm-${links.confirmUrl.slice(links.confirmUrl.indexOf('token=') + 6)}@${domain}`;
  await mail(ctx, subscriber.email, `Confirm your subscription to ${ctx.site.title}`, ctx.templates.confirmEmail(view), 'confirm', replyTo);
  return 'confirmation sent';
}

/**
 * Someone asked by email to leave: a sender address proves nothing, so a subscriber on the list gets
 * a link to the unsubscribe page (within the daily allowance); anyone else, nothing.
 */
export async function requestUnsubscribe(ctx: SubscriptionContext, email: string): Promise<'link sent' | 'not on the list' | 'limit reached'> {
  const subscriber = ctx.store.find(email);
  if (!subscriber || subscriber.status === 'unsubscribed') return 'not on the list';
  const now = (ctx.now ?? (() => new Date()))();
  if (!allowance(ctx.db, subscriber.email, now)) return 'limit reached';
  const links = linksFor(ctx, subscriber.id, now);
  ctx.store.recordEvent(subscriber.id, 'unsubscribe-link-sent', 'asked by email');
  await mail(ctx, subscriber.email, `Unsubscribe from ${ctx.site.title}?`, ctx.templates.unsubscribeRequestEmail({ site: ctx.site, email: subscriber.email, ...links }), 'unsubscribe');
  return 'link sent';
}

/** Confirms a subscriber (idempotent). */
export function confirm(store: SubscriberStore, subscriber: Subscriber, how: string): void {
  if (subscriber.status !== 'confirmed') store.setStatus(subscriber.id, 'confirmed', how);
}

/** Unsubscribes a subscriber (idempotent). */
export function unsubscribe(store: SubscriberStore, subscriber: Subscriber, how: string): void {
  if (subscriber.status !== 'unsubscribed') store.setStatus(subscriber.id, 'unsubscribed', how);
}
