import type { Sql } from '../db/index.ts';
import { roundAftermath, type Aftermath, type RoundKey } from './aftermath.ts';
import { acquireLock, lockHolder, type Lock, type LockHolder } from './lock.ts';
import { issueOutcomes, type IssueOutcome } from './issues.ts';
import { Publications } from './publications.ts';
import { Claims } from './claims.ts';
import { SendBudgets } from './budgets.ts';
import { Rounds, type LedgerChanges, type Round } from './rounds.ts';

export {
  Rounds,
  type LedgerChange,
  type LedgerChanges,
  type Round,
  type Tally,
  type DeliveryStatus,
  type QueuedDelivery,
  type Outcome,
  type OutcomeDetail,
  type Refusals,
  type Recipient,
  refusedReason,
} from './rounds.ts';
export { Publications, type Publication } from './publications.ts';
export { SendBudgets, type Reserved } from './budgets.ts';
export { Claims, SET_ASIDE, type RunningRound, type SenderHolding, type QueueLeft } from './claims.ts';
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
  /** Who holds which delivery of a running round, and the live senders. */
  readonly claims: Claims;
  /** The sending budgets every sender of the database keeps together. */
  readonly budgets: SendBudgets;
  /** Takes the named lock, or throws `LockedError` naming its holder. */
  acquire(name: string): Promise<Lock>;
  /** Who holds the named lock, if anyone. */
  holder(name: string): Promise<LockHolder | undefined>;
  /** The issues published or dispatched, newest first, with their deliveries and what followed: `limit` of them before `before`. */
  issues(limit: number, before?: string): Promise<IssueOutcome[]>;
  /** What came back after each of the rounds given, in their order: what `issues` counts, round by round. */
  aftermath(rounds: readonly RoundKey[]): Promise<Aftermath[]>;
  /** The rounds that did not finish, oldest first. */
  unfinished(): Promise<UnfinishedRound[]>;
}

/** The issue ledger kept in a database; `tell` hears of rounds closed and issues published. */
export function openLedger(sql: Sql, now: () => Date = () => new Date(), tell?: LedgerChanges): IssueLedger {
  const rounds = new Rounds(sql, now, tell);
  const claims = new Claims(sql, now);
  return {
    rounds,
    publications: new Publications(sql, now, tell),
    claims,
    budgets: new SendBudgets(sql),
    acquire: (name) => acquireLock(sql, name, now),
    holder: (name) => lockHolder(sql, name, now),
    issues: (limit, before) => issueOutcomes(sql, limit, before),
    aftermath: (rounds) => roundAftermath(sql, rounds),
    async unfinished() {
      const lock = await lockHolder(sql, 'dispatch', now);
      // A round is being sent while the dispatch holds the lock, or while some sender is alive (a shared database).
      const senders = (await claims.senders()).some((s) => !s.lapsed);
      const unfinished: UnfinishedRound[] = [];
      for (const round of await rounds.unfinished()) {
        unfinished.push({
          round,
          running: round.status === 'running' && ((lock !== undefined && !lock.gone) || senders),
          queued: (await rounds.tally(round.issue, round.round)).queued,
          progressAt: await rounds.progressAt(round.issue, round.round),
        });
      }
      return unfinished;
    },
  };
}
