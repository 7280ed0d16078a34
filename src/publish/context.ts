import type { Config } from '../config.ts';
import type { DispatchContext, Transport } from '../deliver/index.ts';
import type { IssueLedger } from '../ledger/index.ts';
import type { Logger } from '../log.ts';
import type { Builder } from '../site/index.ts';

/** What the scheduled jobs work with, handed in for the whole life of the main job. */
export interface PublishContext {
  config: Config;
  builder: Builder;
  ledger: IssueLedger;
  /** What a dispatch works with (a fresh object each time, over the same database, through the transport, or another handed in). */
  dispatch: (transport?: Transport) => DispatchContext;
  log: Logger;
  /** Aborted when the process is asked to stop: no new work is taken. */
  signal: AbortSignal;
  now: () => Date;
  /** When a day's digest, new or rewritten upstream, will have settled (unchanged long enough to mail); undefined once it has. */
  settlesAt?: (day: string) => Promise<Date | undefined>;
}

/** How old a digest is past its day, and whether that is too old to mail. */
export function lateness(config: Pick<Config, 'maxLatenessMs'>, date: string, now: Date): { late: boolean; days: number } {
  const age = now.getTime() - Date.parse(`${date}T00:00:00Z`);
  return { late: age > config.maxLatenessMs, days: Math.floor(age / 86_400_000) };
}
