import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** What a token lets its holder do. */
export type TokenPurpose = 'confirm' | 'unsubscribe' | 'preferences' | 'bounce';

const CODES: Record<TokenPurpose, string> = { confirm: 'c', unsubscribe: 'u', preferences: 'p', bounce: 'b' };
const SIGNATURE_LENGTH = 24;

/** How long a confirmation link stays good; unsubscribe and preference tokens never expire. */
export const CONFIRM_TOKEN_DAYS = 7;

/** Who a token names: a subscriber's id, and the random key only that subscriber ever has. */
export interface TokenHolder {
  id: number;
  tokenKey: string;
}

/** A new subscriber's token key: tokens made for anyone before them (who had their id) never fit it. */
export function newTokenKey(): string {
  return randomBytes(12).toString('hex');
}

function signature(secret: string, body: string, key: string): string {
  return createHmac('sha256', secret)
    .update(key === '' ? body : `${body}\0${key}`)
    .digest('hex')
    .slice(0, SIGNATURE_LENGTH);
}

/**
 * A signed token naming a subscriber for one purpose: lower case letters, digits and dashes only, so
 * it survives in URLs and in the local part of an address (VERP, mailto), whatever a mail server
 * does to letter case. The signature covers the subscriber's token key, so a token names one
 * subscriber for ever, even if their id were given to someone else. `expiresAt` is a Unix time in
 * seconds; without it the token never expires.
 */
export function signToken(secret: string, purpose: TokenPurpose, holder: TokenHolder, expiresAt?: number): string {
  const body = `${CODES[purpose]}${holder.id.toString(36)}-${expiresAt === undefined ? '0' : Math.floor(expiresAt).toString(36)}`;
  return `${body}-${signature(secret, body, holder.tokenKey)}`;
}

/**
 * Why a token was refused. `verifyToken` says `bad signature` for an id nobody has too; `unknown`
 * is for a verified token whose subscriber has gone since.
 */
export type TokenProblem = 'malformed' | 'wrong purpose' | 'bad signature' | 'expired' | 'unknown';

/** A token that checked out: whom it names, and when it expires (0: never). */
export interface CheckedToken {
  subscriberId: number;
  expiresAt: number;
}

// A token's parts: its purpose's code, the subscriber's id and the expiry (base 36), the signature.
const TOKEN = /^([a-z])([0-9a-z]{1,12})-([0-9a-z]{1,12})-([0-9a-f]+)$/;

/** The id of the subscriber a token names, unchecked (to look up the key it is checked against); undefined when it is malformed. */
export function tokenSubscriberId(token: string): number | undefined {
  const id = TOKEN.exec(token.trim().toLowerCase())?.[2];
  return id === undefined ? undefined : parseInt(id, 36);
}

/**
 * Checks a token in constant time against the token key of the subscriber it names (`keyOf`
 * gives it, or undefined for nobody); gives the subscriber id, or what is wrong with it.
 */
export function verifyToken(
  secret: string,
  purpose: TokenPurpose,
  token: string,
  keyOf: (id: number) => string | undefined,
  now: number = Date.now() / 1000,
): CheckedToken | { problem: TokenProblem } {
  const m = TOKEN.exec(token.trim().toLowerCase());
  if (!m) return { problem: 'malformed' };
  const [, code, id, expiry, given] = m as unknown as [string, string, string, string, string];
  const subscriberId = parseInt(id, 36);
  const key = keyOf(subscriberId);
  const expected = signature(secret, `${code}${id}-${expiry}`, key ?? '');
  const ok = given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
  // A token for an id nobody has is refused as forged, so that a forgery never tells which ids exist.
  if (!ok || key === undefined) return { problem: 'bad signature' };
  if (code !== CODES[purpose]) return { problem: 'wrong purpose' };
  const expiresAt = parseInt(expiry, 36);
  if (expiresAt !== 0 && expiresAt < now) return { problem: 'expired' };
  return { subscriberId, expiresAt };
}
