import { retryWhileBusy, type Db } from '../db/index.ts';
import { acquireLock, lockHolder, type Lock, type LockHolder } from './lock.ts';
import { issueOutcomes, type IssueOutcome } from './issues.ts';
import { Publications } from './publications.ts';
import { Rounds } from './rounds.ts';

export { Rounds, type Round, type Tally, type DeliveryStatus, type QueuedDelivery, type Refusals, type Recipient } from './rounds.ts';
export { Publications, type Publication } from './publications.ts';
export type { IssueOutcome } from './issues.ts';
export { LockedError, type Lock, type LockHolder } from './lock.ts';

/**
 * The state of the issues, the one owner of it: what was published, each dispatch round and its
 * deliveries, and the lock that keeps two dispatches apart.
 */
export interface IssueLedger {
  readonly rounds: Rounds;
  readonly publications: Publications;
  /** Takes the named lock, or throws `LockedError` naming its holder. */
  acquire(name: string): Lock;
  /** Who holds the named lock, if anyone. */
  holder(name: string): LockHolder | undefined;
  /** The issues published or dispatched, newest first, with their deliveries and what followed: `limit` of them before `before`. */
  issues(limit: number, before?: string): IssueOutcome[];
  /** Runs `work` (its writes) once the database is free, without blocking the event loop. */
  write<T>(work: () => T): Promise<T>;
}

/** The issue ledger kept in a database. */
export function openLedger(db: Db, now: () => Date = () => new Date()): IssueLedger {
  return {
    rounds: new Rounds(db, now),
    publications: new Publications(db, now),
    acquire: (name) => acquireLock(db, name, now),
    holder: (name) => lockHolder(db, name, now),
    issues: (limit, before) => issueOutcomes(db, limit, before),
    write: (work) => retryWhileBusy(db.name, work, 30_000),
  };
}
