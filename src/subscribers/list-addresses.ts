import type { Sender, Site } from '../config.ts';
import { CONFIRM_TOKEN_DAYS, signToken, type TokenHolder } from './tokens.ts';

/**
 * One of the list's own addresses, and what a message to it asks for: the list's own
 * (`papers@domain`), `papers+subscribe@`, `papers+unsubscribe@`, `papers+fbl@` (feedback-loop
 * reports), and the token-carrying `papers+confirm-<token>@`, `papers+unsubscribe-<token>@` (the
 * List-Unsubscribe mailto), `papers+bounce-<token>@` (a subscriber's own return path).
 */
export type Mailbox =
  | { kind: 'request'; subaddress: 'subscribe' | 'unsubscribe' | undefined }
  | { kind: 'confirm'; token: string }
  | { kind: 'unsubscribe'; token: string }
  | { kind: 'bounce'; token: string }
  | { kind: 'feedback' };

// The subaddress (after `+`) of each mailbox; the token-carrying ones end in `-<token>`.
function tagOf(mailbox: Mailbox): string | undefined {
  switch (mailbox.kind) {
    case 'request':
      return mailbox.subaddress;
    case 'feedback':
      return 'fbl';
    default:
      return `${mailbox.kind}-${mailbox.token}`;
  }
}

/** The address of one of the list's mailboxes: `mailboxOf` reads it back. */
export function addressOf(mailbox: Mailbox, sender: Pick<Sender, 'local' | 'domain'>): string {
  const tag = tagOf(mailbox);
  return `${sender.local}${tag === undefined ? '' : `+${tag}`}@${sender.domain}`;
}

/** Which of the list's mailboxes a recipient is (letter case aside), or undefined for any other address. */
export function mailboxOf(recipient: string, sender: Pick<Sender, 'local' | 'domain'>): Mailbox | undefined {
  if (!isListDomain(recipient, sender)) return undefined;
  const name = recipient.slice(0, recipient.lastIndexOf('@')).toLowerCase();
  const base = sender.local.toLowerCase();
  if (name === base) return { kind: 'request', subaddress: undefined };
  if (!name.startsWith(`${base}+`)) return undefined;
  const tag = name.slice(base.length + 1);
  if (tag === 'subscribe' || tag === 'unsubscribe') return { kind: 'request', subaddress: tag };
  if (tag === 'fbl') return { kind: 'feedback' };
  const m = /^(confirm|unsubscribe|bounce)-([a-z0-9-]+)$/.exec(tag);
  if (!m) return undefined;
  return { kind: m[1] as 'confirm' | 'unsubscribe' | 'bounce', token: m[2] as string };
}

/** Whether a recipient's domain is the list's: any other is refused as relaying. */
export function isListDomain(recipient: string, sender: Pick<Sender, 'domain'>): boolean {
  const at = recipient.lastIndexOf('@');
  return at !== -1 && recipient.slice(at + 1).toLowerCase() === sender.domain.toLowerCase();
}

/**
 * A subscriber's own return path (VERP): the bounce or complaint that comes back to it is about
 * them, whatever it says. Every message to one subscriber is sent with it, notices too.
 */
export function returnPathFor(secret: string, sender: Pick<Sender, 'local' | 'domain'>, holder: TokenHolder): string {
  return addressOf({ kind: 'bounce', token: signToken(secret, 'bounce', holder) }, sender);
}

/** The web pages a token opens. */
export type LinkPage = 'confirm' | 'unsubscribe' | 'preferences' | 'data';

/** Each page's path on the site, where the web server serves it. */
export const LINK_PATHS: Readonly<Record<LinkPage, string>> = {
  confirm: '/confirm',
  unsubscribe: '/unsubscribe',
  preferences: '/preferences',
  data: '/preferences/data',
};

/** The link to one of a subscriber's pages, carrying their token. */
export function linkTo(site: Pick<Site, 'url'>, page: LinkPage, token: string): string {
  return `${site.url}${LINK_PATHS[page]}?token=${encodeURIComponent(token)}`;
}

/** The tokens a subscriber's links carry; the confirmation's is good for a week from `now`. */
export interface LinkTokens {
  confirm: string;
  unsubscribe: string;
  preferences: string;
}

/** Signs the tokens of a subscriber's links. */
export function tokensFor(secret: string, holder: TokenHolder, now: Date): LinkTokens {
  const expires = Math.floor(now.getTime() / 1000) + CONFIRM_TOKEN_DAYS * 86_400;
  return {
    confirm: signToken(secret, 'confirm', holder, expires),
    unsubscribe: signToken(secret, 'unsubscribe', holder),
    preferences: signToken(secret, 'preferences', holder),
  };
}

/** The links a subscriber's emails and pages carry. */
export interface SubscriberLinks {
  confirmUrl: string;
  unsubscribeUrl: string;
  preferencesUrl: string;
}

/** A subscriber's links, made from their tokens. */
export function linksOf(site: Pick<Site, 'url'>, tokens: LinkTokens): SubscriberLinks {
  return {
    confirmUrl: linkTo(site, 'confirm', tokens.confirm),
    unsubscribeUrl: linkTo(site, 'unsubscribe', tokens.unsubscribe),
    preferencesUrl: linkTo(site, 'preferences', tokens.preferences),
  };
}

/** A subscriber's links, with tokens signed now. */
export function linksFor(ctx: { secret: string; site: Pick<Site, 'url'> }, holder: TokenHolder, now: Date): SubscriberLinks {
  return linksOf(ctx.site, tokensFor(ctx.secret, holder, now));
}

/**
 * The token in a List-Unsubscribe value of ours, as `linkTo` and `addressOf` wrote it there: in the
 * link (`/unsubscribe?token=…`) or in the mailto (`+unsubscribe-<token>@`).
 */
export function unsubscribeTokenIn(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return /[?&]token=([a-z0-9-]+)/i.exec(value)?.[1] ?? /\+unsubscribe-([a-z0-9-]+)@/i.exec(value)?.[1];
}
