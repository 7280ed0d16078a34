import type { Sender, Site } from '../config.ts';
import type { IssueLedger } from '../ledger/index.ts';
import type { IssueToSend } from '../site/index.ts';
import type { SubscriberStore } from '../subscribers/index.ts';
import type { Progress } from './progress.ts';
import type { SharedRate } from './shared-pace.ts';
import type { Transport } from './transport.ts';

/** How a sender holds what it claims of a round, whether others send beside it, and what shapes its messages. */
export interface Claiming {
  /**
   * Several senders share the ledger (PostgreSQL): a dispatch lets go of the dispatch lock once its
   * round is open, and workers may send beside it. False: the dispatch is the only sender (SQLite).
   */
  shared: boolean;
  /** The sender's id among every sender of the database, its lease, and how often it renews it. */
  lease: { owner: string; leaseMs: number; heartbeatMs: number };
  /** The fingerprint of what shapes an issue's messages (`messageFingerprint`). */
  fingerprint(issue: IssueToSend): Promise<string>;
  /** Sends what it queues; false (shared only): a dispatch opens its round and leaves the sending to the workers. */
  sends: boolean;
  /** The rates every sender keeps together (the relay's, some domains'), through the database (none for a sole sender). */
  rates: readonly SharedRate[];
}

/** Everything a dispatch works with, handed in. */
export interface DispatchContext {
  /** How rounds are sent by claims: by this process alone, or by as many senders as share the ledger. */
  claiming: Claiming;
  ledger: IssueLedger;
  store: SubscriberStore;
  transport: Transport;
  secret: string;
  site: Site;
  sender: Sender;
  /** How many messages may be on their way at once (more if the transport asks for more `ahead`). */
  parallel: number;
  retry: { attempts: number; delayMs: number };
  progress?: Progress | undefined;
  signal?: AbortSignal | undefined;
  /** The clock of the Date header. */
  now: () => Date;
}

/** What a dispatch did. */
export interface DispatchSummary {
  issue: string;
  round: number;
  sent: number;
  skipped: number;
  failed: number;
  /** Messages the relay took without ever answering: perhaps delivered, not sent again. */
  doubt: number;
  /** Deliveries left queued for the next run (temporary failures, refusals, or a stop). */
  queued: number;
  /** Of those, the ones the relay refused in this run for reasons not the recipient's (policy, rate, content). */
  refused: number;
  seconds: number;
  /** Why the dispatch stopped before the end, if it did. */
  stopped: string | undefined;
}
