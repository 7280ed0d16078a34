import type { IssueLedger } from '../ledger/index.ts';
import type { Logger } from '../log.ts';
import type { ByHandContext } from '../publish/index.ts';
import type { Status } from '../status.ts';
import type { PrivacyContext, SubscriptionContext, Suppressions } from '../subscribers/index.ts';
import type { Transport } from '../deliver/index.ts';

/** What the admin API works with, handed in once by the composition root. */
export interface ApiContext {
  /** The bearer token every request must carry (32 characters or more). */
  token: string;
  /** Requests a minute per client, wrong tokens included. */
  rate: number;
  /** Whether addresses at `localhost`, `.test` and the other reserved names are taken (PAPERBOY_ALLOW_RESERVED_ADDRESSES). */
  allowReservedAddresses: boolean;
  /** The topics the digests carry, each once: what a subscriber can choose. */
  topics: () => Promise<string[]>;
  subscriptions: SubscriptionContext;
  suppressions: Suppressions;
  privacy: PrivacyContext;
  ledger: IssueLedger;
  /** What `paperboy status --json` says. */
  status: () => Promise<Status>;
  /** What a dispatch by hand works with, stopped by `signal`. */
  dispatching: (signal: AbortSignal) => ByHandContext;
  /** The report of the last `days` days, the page `paperboy report` writes. */
  report: (days: number) => Promise<string>;
  /** `.eml` files in out/outbox/, for dry runs. */
  outbox: () => Transport;
  log: Logger;
}
