import type { Sender, Site } from '../config.ts';
import { siteUrls, type TemplateSource } from '../render/index.ts';
import { describeChoice } from './choice.ts';
import { addressProblem } from './email-address.ts';
import { cleanTopics, SubscriberError, type Cadence, type Subscriber, type SubscriberStore } from './store.ts';
import type { Suppressions } from './suppressions.ts';
import { addressOf, linksFor, linksOf, returnPathFor, tokensFor } from './list-addresses.ts';
import { CONFIRM_TOKEN_DAYS } from './tokens.ts';

/** A short email to one person (a confirmation link, a note), sent by whatever the caller hands in. */
export interface Notice {
  to: string;
  subject: string;
  text: string;
  /** What it is, for its Message-ID: `confirm`, `already`, `unsubscribe`… */
  kind: string;
  replyTo?: string | undefined;
  /** The envelope sender: the recipient's own return path, so a bounce or complaint is theirs. */
  returnPath?: string | undefined;
}

/** Sends one notice; rejects when it could not be sent. */
export type SendNotice = (notice: Notice) => Promise<void>;

/** What the subscription flows work with, handed in. */
export interface SubscriptionContext {
  store: SubscriberStore;
  /** Addresses that may come back only by their owner's confirmation. */
  suppressions: Suppressions;
  templates: TemplateSource;
  secret: string;
  site: Site;
  sender: Sender;
  send: SendNotice;
  /** The newest issue on the web, for the welcome email (undefined while there is none). */
  latestIssue?: (() => Promise<{ webUrl: string; displayDate: string } | undefined>) | undefined;
  /** The clock: links expire, and the daily allowance counts, by it. */
  now: () => Date;
}

/** At most this many confirmation emails go to one address in one day. */
export const CONFIRMATIONS_PER_DAY = 3;

// A notice to someone on the list, sent with their own return path.
function noticeTo(ctx: SubscriptionContext, subscriber: Subscriber, notice: Omit<Notice, 'to' | 'returnPath'>): Notice {
  return { ...notice, to: subscriber.email, returnPath: returnPathFor(ctx.secret, ctx.sender, subscriber) };
}

// Whether an address may still get a notice today.
async function withinAllowance(ctx: SubscriptionContext, now: Date, email: string): Promise<boolean> {
  return (await ctx.store.confirmationsOn(email, now.toISOString().slice(0, 10))) < CONFIRMATIONS_PER_DAY;
}

// Sends a notice within an address's daily allowance: its place is taken before sending, so
// requests that arrive together cannot all pass, and given back when the notice did not go out.
async function sendCounted(ctx: SubscriptionContext, now: Date, notice: Notice): Promise<boolean> {
  const day = now.toISOString().slice(0, 10);
  if (!(await ctx.store.reserveConfirmation(notice.to, day, CONFIRMATIONS_PER_DAY))) return false;
  try {
    await ctx.send(notice);
  } catch (error) {
    await ctx.store.releaseConfirmation(notice.to, day).catch(() => undefined);
    throw error;
  }
  return true;
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
  const now = ctx.now();
  const email = request.email.trim();
  const problem = addressProblem(email);
  if (problem) throw new SubscriberError(`${email}: the address ${problem}`);
  const { subscriber, added } = await ctx.store.add({ email, topics: request.topics, cadence: request.cadence, source: request.source });
  if (!(await withinAllowance(ctx, now, subscriber.email))) return 'limit reached';
  const templates = await ctx.templates();
  const tokens = tokensFor(ctx.secret, subscriber, now);
  const links = linksOf(ctx.site, tokens);
  const topics = cleanTopics(request.topics);
  const choice = describeChoice({ topics, cadence: request.cadence });
  const view = {
    site: ctx.site,
    email: subscriber.email,
    weekly: request.cadence === 'weekly',
    topics,
    topicsText: choice.topics,
    cadenceText: choice.cadence,
    days: CONFIRM_TOKEN_DAYS,
    ...links,
  };
  if (subscriber.status === 'confirmed') {
    const note = noticeTo(ctx, subscriber, {
      subject: `You are already subscribed to ${ctx.site.title}`,
      text: templates.alreadySubscribedEmail(view),
      kind: 'already',
    });
    return (await sendCounted(ctx, now, note)) ? 'already subscribed' : 'limit reached';
  }
  if (!added) await ctx.store.setPreferences(subscriber.id, topics, request.cadence);
  // Replying confirms too: the reply goes to an address that carries the confirmation token.
  const replyTo = addressOf({ kind: 'confirm', token: tokens.confirm }, ctx.sender);
  const confirmation = noticeTo(ctx, subscriber, {
    subject: `Confirm your subscription to ${ctx.site.title}`,
    text: templates.confirmEmail(view),
    kind: 'confirm',
    replyTo,
  });
  if (!(await sendCounted(ctx, now, confirmation))) return 'limit reached';
  await ctx.store.recordEvent(subscriber.id, 'confirmation-sent', `via ${request.source}`);
  return 'confirmation sent';
}

/**
 * Someone asked by email to leave: a sender address proves nothing, so a subscriber on the list gets
 * a link to the unsubscribe page (within the daily allowance); anyone else, nothing.
 */
export async function requestUnsubscribe(
  ctx: SubscriptionContext,
  email: string,
): Promise<'link sent' | 'not on the list' | 'limit reached'> {
  const subscriber = await ctx.store.find(email);
  if (!subscriber || subscriber.status === 'unsubscribed') return 'not on the list';
  const now = ctx.now();
  if (!(await withinAllowance(ctx, now, subscriber.email))) return 'limit reached';
  const links = linksFor(ctx, subscriber, now);
  const text = (await ctx.templates()).unsubscribeRequestEmail({ site: ctx.site, email: subscriber.email, ...links });
  const note = noticeTo(ctx, subscriber, { subject: `Unsubscribe from ${ctx.site.title}?`, text, kind: 'unsubscribe' });
  if (!(await sendCounted(ctx, now, note))) return 'limit reached';
  await ctx.store.recordEvent(subscriber.id, 'unsubscribe-link-sent', 'asked by email');
  return 'link sent';
}

/**
 * Greets someone who just confirmed: the latest issue, the feeds, how to change topics or cadence,
 * how to leave. Sent once per confirmation, and kept in their history.
 */
export async function welcome(ctx: SubscriptionContext, subscriber: Subscriber): Promise<void> {
  const links = linksFor(ctx, subscriber, ctx.now());
  const latest = await ctx.latestIssue?.().catch(() => undefined);
  const { feeds } = siteUrls(ctx.site);
  const view = { site: ctx.site, email: subscriber.email, weekly: subscriber.cadence === 'weekly', latest, feeds, ...links };
  const text = (await ctx.templates()).welcomeEmail(view);
  await ctx.send(noticeTo(ctx, subscriber, { subject: `Welcome to ${ctx.site.title}`, text, kind: 'welcome' }));
  await ctx.store.recordEvent(subscriber.id, 'welcome-sent', 'after confirming');
}

/** What became of a confirmation. */
export type ConfirmOutcome = 'confirmed' | 'already confirmed' | 'left since';

/**
 * Confirms a subscriber (idempotent) with a confirmation made at `issuedAt`. Someone who left the
 * list after that confirmation was made is not brought back by it: coming back takes a fresh one.
 */
export async function confirm(
  ctx: Pick<SubscriptionContext, 'store' | 'suppressions'>,
  subscriber: Subscriber,
  issuedAt: Date | undefined,
  how: string,
): Promise<ConfirmOutcome> {
  const { store } = ctx;
  if (subscriber.status === 'confirmed') return 'already confirmed';
  // Tokens tell their time in whole seconds: one made in the second they left counts as made after.
  const left = subscriber.leftAt === null ? undefined : Math.floor(Date.parse(subscriber.leftAt) / 1000);
  if (left !== undefined && (issuedAt === undefined || issuedAt.getTime() / 1000 < left)) return 'left since';
  await store.setStatus(subscriber.id, 'confirmed', how);
  // Their owner confirmed: a complaint or an erasure of the address no longer holds it back.
  await ctx.suppressions.lift(subscriber.email);
  return 'confirmed';
}

/** Unsubscribes a subscriber (idempotent). */
export async function unsubscribe(store: SubscriberStore, subscriber: Subscriber, how: string): Promise<void> {
  if (subscriber.status !== 'unsubscribed') await store.setStatus(subscriber.id, 'unsubscribed', how);
}
