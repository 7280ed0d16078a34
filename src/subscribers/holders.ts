import type { Subscriber, SubscriberStore } from './store.ts';
import { CONFIRM_TOKEN_DAYS, verifyToken, type TokenProblem, type TokenPurpose } from './tokens.ts';

/** The subscriber a token names, and when it was made (for confirmation links), or why it names nobody. */
export type TokenCheck = { subscriber: Subscriber; issuedAt: Date | undefined } | { problem: TokenProblem };

/** Checks a token against the list: signed by us, for this purpose, not expired, for a subscriber who is still there. */
export function subscriberOfToken(store: SubscriberStore, secret: string, purpose: TokenPurpose, token: string, now: Date): TokenCheck {
  const checked = verifyToken(secret, purpose, token, (id) => store.tokenKeyOf(id), now.getTime() / 1000);
  if ('problem' in checked) return checked;
  const subscriber = store.get(checked.subscriberId);
  if (!subscriber) return { problem: 'unknown' };
  const issuedAt = checked.expiresAt === 0 ? undefined : new Date((checked.expiresAt - CONFIRM_TOKEN_DAYS * 86_400) * 1000);
  return { subscriber, issuedAt };
}
