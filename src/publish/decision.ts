import type { Config } from '../config.ts';
import { describeDispatch, type DispatchSummary } from '../deliver/index.ts';
import type { IssueLedger, Publication, Round } from '../ledger/index.ts';
import { lateness } from './context.ts';

/**
 * Whether an issue is mailed now, and if not, why not. Every verdict carries the publication on
 * record, if there is one: a decision not to mail is recorded once, by `recordWithheld`.
 */
export type Verdict = { published: Publication | undefined } & (
  | { kind: 'mail' }
  /** No papers: on the web, not in the feeds, never mailed, even when forced. */
  | { kind: 'empty'; note: string }
  /** Older than PAPERBOY_MAX_LATENESS: on the web, mailed only when forced. */
  | { kind: 'late'; days: number; note: string }
  /** A round of it finished: mailed again only when forced (in a new round). */
  | { kind: 'sent'; round: Round }
  /** Published before without mail, for a reason that no longer holds: that stands unless forced. */
  | { kind: 'published'; publication: Publication }
);

/**
 * The publication rule, for the schedule and the `dispatch` command alike. In this order: an empty
 * digest is never mailed; a late one is not, unless forced; an unfinished round is resumed; a
 * finished one, or a publication on record, is not mailed again unless forced; anything else is.
 */
export async function decidePublication(
  ledger: IssueLedger,
  digest: { date: string; papers: readonly unknown[] },
  config: Pick<Config, 'maxLatenessMs'>,
  now: Date,
  force = false,
): Promise<Verdict> {
  const published = await ledger.publications.get(digest.date);
  if (digest.papers.length === 0) return { published, kind: 'empty', note: 'empty digest: on the web, not in the feeds, not mailed' };
  const age = lateness(config, digest.date, now);
  if (age.late && !force) {
    return { published, kind: 'late', days: age.days, note: `${age.days} days old: on the web, not mailed (dispatch --force mails it)` };
  }
  const round = await ledger.rounds.latestRound(digest.date);
  if (round !== undefined && round.status !== 'done') return { published, kind: 'mail' };
  if (force) return { published, kind: 'mail' };
  if (round !== undefined) return { published, kind: 'sent', round };
  if (published !== undefined) return { published, kind: 'published', publication: published };
  return { published, kind: 'mail' };
}

/** Records a decision not to mail an issue, unless one is on record already; true if it recorded it now. */
export async function recordWithheld(ledger: IssueLedger, date: string, verdict: Verdict & { note: string }, now: Date): Promise<boolean> {
  if (verdict.published !== undefined) return false;
  await ledger.publications.record(date, false, verdict.note, now);
  return true;
}

/** Records an issue as published and mailed, once its dispatch has finished. */
export async function recordMailed(ledger: IssueLedger, summary: DispatchSummary, now: Date): Promise<void> {
  await ledger.publications.record(summary.issue, true, describeDispatch(summary), now);
}
