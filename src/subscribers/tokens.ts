import { createHmac, timingSafeEqual } from 'node:crypto';

/** What a token lets its holder do. */
export type TokenPurpose = 'confirm' | 'unsubscribe' | 'preferences' | 'bounce';

const CODES: Record<TokenPurpose, string> = { confirm: 'c', unsubscribe: 'u', preferences: 'p', bounce: 'b' };
const SIGNATURE_LENGTH = 24;

/** How long a confirmation link stays good; unsubscribe and preference tokens never expire. */
export const CONFIRM_TOKEN_DAYS = 7;

function signature(secret: string, body: string): string {
  return createHmac('sha256', secret).update(body).digest('hex').slice(0, SIGNATURE_LENGTH);
}

/**
 * A signed token naming a subscriber for one purpose: lower case letters, digits and dashes only, so
 * it survives in URLs and in the local part of an address (VERP, mailto), whatever a mail server
 * does to letter case. `expiresAt` is a Unix time in seconds; without it the token never expires.
 */
export function signToken(secret: string, purpose: TokenPurpose, subscriberId: number, expiresAt?: number): string {
  const body = `${CODES[purpose]}${subscriberId.toString(36)}-${expiresAt === undefined ? '0' : Math.floor(expiresAt).toString(36)}`;
  return `${body}-${signature(secret, body)}`;
}

/** Why a token was refused. */
export type TokenProblem = 'malformed' | 'wrong purpose' | 'bad signature' | 'expired';

/** Checks a token in constant time; gives the subscriber id, or what is wrong with it. */
export function verifyToken(
  secret: string,
  purpose: TokenPurpose,
  token: string,
  now: number = Date.now() / 1000,
): { subscriberId: number } | { problem: TokenProblem } {
  const m = /^([a-z])([0-9a-z]{1,12})-([0-9a-z]{1,12})-([0-9a-f]+)$/.exec(token.trim().toLowerCase());
  if (!m) return { problem: 'malformed' };
  const [, code, id, expiry, given] = m as unknown as [string, string, string, string, string];
  const expected = signature(secret, `${code}${id}-${expiry}`);
  const ok = given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected));
  if (!ok) return { problem: 'bad signature' };
  if (code !== CODES[purpose]) return { problem: 'wrong purpose' };
  const expiresAt = parseInt(expiry, 36);
  if (expiresAt !== 0 && expiresAt < now) return { problem: 'expired' };
  return { subscriberId: parseInt(id, 36) };
}
