import type { Subscriber, SubscriberStore } from './store.ts';
import { CONFIRM_TOKEN_DAYS, tokenSubscriberId, verifyToken, type TokenProblem, type TokenPurpose } from './tokens.ts';

/** The subscriber a token names, and when it was made (for confirmation links), or why it names nobody. */
export type TokenCheck = { subscriber: Subscriber; issuedAt: Date | undefined } | { problem: TokenProblem };

/** Checks a token against the list: signed by us, for this purpose, not expired, for a subscriber who is still there. */
export async function subscriberOfToken(
  store: SubscriberStore,
  secret: string,
  purpose: TokenPurpose,
  token: string,
  now: Date,
): Promise<TokenCheck> {
  const named = tokenSubscriberId(token);
  const key = named === undefined ? undefined : await store.tokenKeyOf(named);
  const checked = verifyToken(secret, purpose, token, () => key, now.getTime() / 1000);
  if ('problem' in checked) return checked;
  const subscriber = await store.get(checked.subscriberId);
  if (!subscriber) return { problem: 'unknown' };
  const issuedAt = checked.expiresAt === 0 ? undefined : new Date((checked.expiresAt - CONFIRM_TOKEN_DAYS * 86_400) * 1000);
  return { subscriber, issuedAt };
}
