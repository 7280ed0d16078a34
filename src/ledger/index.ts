import { retryWhileBusy, type Db } from '../db/index.ts';
import { roundAftermath, type Aftermath, type RoundKey } from './aftermath.ts';
import { acquireLock, lockHolder, type Lock, type LockHolder } from './lock.ts';
import { issueOutcomes, type IssueOutcome } from './issues.ts';
import { Publications } from './publications.ts';
import { Rounds, type LedgerChanges, type Round } from './rounds.ts';

export {
  Rounds,
  type LedgerChange,
  type LedgerChanges,
  type Round,
  type Tally,
  type DeliveryStatus,
  type QueuedDelivery,
  type Refusals,
  type Recipient,
} from './rounds.ts';
export { Publications, type Publication } from './publications.ts';
export type { IssueOutcome } from './issues.ts';
export type { Aftermath, RoundKey } from './aftermath.ts';
export { SourceRecords, type FileOrigin, type SyncState } from './origins.ts';
export { LockedError, type Lock, type LockHolder } from './lock.ts';

/** A round that did not finish, as the operator sees it. */
export interface UnfinishedRound {
  round: Round;
  /** Still being sent: marked running, and the dispatch lock's holder is alive. Otherwise it stopped, and a dispatch resumes it. */
  running: boolean;
  /** Deliveries left queued. */
  queued: number;
  /** When it last moved (ISO time). */
  progressAt: string;
}

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
  /** What came back after each of the rounds given, in their order: what `issues` counts, round by round. */
  aftermath(rounds: readonly RoundKey[]): Aftermath[];
  /** The rounds that did not finish, oldest first. */
  unfinished(): UnfinishedRound[];
  /** Runs `work` (its writes) once the database is free, without blocking the event loop. */
  write<T>(work: () => T): Promise<T>;
}

/** The issue ledger kept in a database; `tell` hears of rounds closed and issues published. */
export function openLedger(db: Db, now: () => Date = () => new Date(), tell?: LedgerChanges): IssueLedger {
  const rounds = new Rounds(db, now, tell);
  return {
    rounds,
    publications: new Publications(db, now, tell),
    acquire: (name) => acquireLock(db, name, now),
    holder: (name) => lockHolder(db, name, now),
    issues: (limit, before) => issueOutcomes(db, limit, before),
    aftermath: (rounds) => roundAftermath(db, rounds),
    unfinished() {
      const lock = lockHolder(db, 'dispatch', now);
      return rounds.unfinished().map((round) => ({
        round,
        running: round.status === 'running' && lock !== undefined && !lock.gone,
        queued: rounds.tally(round.issue, round.round).queued,
        progressAt: rounds.progressAt(round.issue, round.round),
      }));
    },
    write: (work) => retryWhileBusy(db.name, work, 30_000),
  };
}
