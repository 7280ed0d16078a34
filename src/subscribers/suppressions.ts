import { createHmac } from 'node:crypto';
import type { Db } from '../db/index.ts';
import { addressKey } from './email-address.ts';

/** Why an address is suppressed. */
export type SuppressionReason = 'complaint' | 'erased';

/**
 * Addresses that no import and no operator may put back on the list: people who reported the list
 * as spam, and people who asked to be forgotten. Only a keyed hash of each address is kept (the
 * address itself is gone); a fresh double opt-in, confirmed by the address's owner, lifts it.
 */
export class Suppressions {
  readonly #db: Db;
  readonly #key: string;
  readonly #now: () => Date;

  constructor(db: Db, secret: string, now: () => Date = () => new Date()) {
    this.#db = db;
    this.#key = secret;
    this.#now = now;
  }

  #hash(email: string): string {
    return createHmac('sha256', this.#key)
      .update(`suppressed:${addressKey(email)}`)
      .digest('hex');
  }

  /** Suppresses an address (again, with the newer reason). */
  add(email: string, reason: SuppressionReason): void {
    this.#db
      .prepare('INSERT OR REPLACE INTO suppressions (address_hash, reason, at) VALUES (?, ?, ?)')
      .run(this.#hash(email), reason, this.#now().toISOString());
  }

  /** Why an address is suppressed, or undefined when it is not. */
  reason(email: string): SuppressionReason | undefined {
    return this.#db
      .prepare<[string], { reason: SuppressionReason }>('SELECT reason FROM suppressions WHERE address_hash = ?')
      .get(this.#hash(email))?.reason;
  }

  /** Lifts an address's suppression: its owner confirmed a new subscription. */
  lift(email: string): void {
    this.#db.prepare('DELETE FROM suppressions WHERE address_hash = ?').run(this.#hash(email));
  }

  /** How many addresses are suppressed, by reason. */
  counts(): Record<SuppressionReason, number> {
    const counts: Record<SuppressionReason, number> = { complaint: 0, erased: 0 };
    for (const row of this.#db
      .prepare<[], { reason: SuppressionReason; n: number }>('SELECT reason, count(*) AS n FROM suppressions GROUP BY reason')
      .all())
      counts[row.reason] = row.n;
    return counts;
  }
}

/** The message for an address that may not be put back on the list. */
export function suppressedMessage(email: string): string {
  return (
    `${email}: this address asked not to be mailed (a spam complaint, or erasure); ` +
    'only its owner can subscribe it again, by confirming a new subscription'
  );
}
