import { createHmac } from 'node:crypto';
import { jsonRows, type Sql } from '../db/index.ts';
import { addressKey } from './email-address.ts';

/** Why an address is suppressed. */
export type SuppressionReason = 'complaint' | 'erased';

/**
 * Addresses that no import and no operator may put back on the list: people who reported the list
 * as spam, and people who asked to be forgotten. Only a keyed hash of each address is kept (the
 * address itself is gone); a fresh double opt-in, confirmed by the address's owner, lifts it.
 */
export class Suppressions {
  readonly #sql: Sql;
  readonly #key: string;
  readonly #now: () => Date;

  constructor(sql: Sql, secret: string, now: () => Date = () => new Date()) {
    this.#sql = sql;
    this.#key = secret;
    this.#now = now;
  }

  #hash(email: string): string {
    return createHmac('sha256', this.#key)
      .update(`suppressed:${addressKey(email)}`)
      .digest('hex');
  }

  /** Suppresses an address (again, with the newer reason). */
  async add(email: string, reason: SuppressionReason): Promise<void> {
    await this.#sql.run(
      `INSERT INTO suppressions (address_hash, reason, at) VALUES (@hash, @reason, @at)
       ON CONFLICT (address_hash) DO UPDATE SET reason = excluded.reason, at = excluded.at`,
      { hash: this.#hash(email), reason, at: this.#now().toISOString() },
    );
  }

  /** Why an address is suppressed, or undefined when it is not. */
  async reason(email: string): Promise<SuppressionReason | undefined> {
    const row = await this.#sql.get<{ reason: SuppressionReason }>('SELECT reason FROM suppressions WHERE address_hash = @hash', {
      hash: this.#hash(email),
    });
    return row?.reason;
  }

  /** Which of these addresses are suppressed, asked in one statement (an import's batch): a test of any of them. */
  async among(emails: readonly string[]): Promise<(email: string) => boolean> {
    const hashes = [...new Set(emails.map((email) => this.#hash(email)))];
    const rows = await this.#sql.all<{ address_hash: string }>(
      `SELECT address_hash FROM suppressions
       WHERE address_hash IN (SELECT h.hash FROM ${jsonRows(this.#sql.dialect, 'hashes', { hash: 'text' })} AS h)`,
      { hashes: JSON.stringify(hashes.map((hash) => ({ hash }))) },
    );
    const suppressed = new Set(rows.map((row) => row.address_hash));
    return (email) => suppressed.has(this.#hash(email));
  }

  /** Lifts an address's suppression: its owner confirmed a new subscription. */
  async lift(email: string): Promise<void> {
    await this.#sql.run('DELETE FROM suppressions WHERE address_hash = @hash', { hash: this.#hash(email) });
  }

  /** How many addresses are suppressed, by reason. */
  async counts(): Promise<Record<SuppressionReason, number>> {
    const counts: Record<SuppressionReason, number> = { complaint: 0, erased: 0 };
    const rows = await this.#sql.all<{ reason: SuppressionReason; n: number }>(
      'SELECT reason, count(*) AS n FROM suppressions GROUP BY reason',
    );
    for (const row of rows) counts[row.reason] = row.n;
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
