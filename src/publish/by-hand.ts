import { createMessageMaker, dispatchIssue, type DispatchSummary, type Progress, type Transport } from '../deliver/index.ts';
import { PaperboyError } from '../errors.ts';
import type { Publication, Round } from '../ledger/index.ts';
import type { IssueToSend } from '../site/index.ts';
import type { PublishContext } from './context.ts';
import { decidePublication, recordMailed, recordWithheld } from './decision.ts';

/** What a dispatch by hand works with: the scheduled jobs' parts, without their log. */
export type ByHandContext = Pick<PublishContext, 'config' | 'builder' | 'ledger' | 'dispatch' | 'now'> & {
  signal?: AbortSignal | undefined;
};

/** What a dispatch by hand came to: mailed, or why not. */
export type ByHand =
  | { kind: 'dispatched'; summary: DispatchSummary }
  /** A round of it finished before: mailed again only when forced. */
  | { kind: 'sent'; round: Round }
  /** Published before without mail: that stands unless forced. */
  | { kind: 'published'; publication: Publication }
  /** No papers: on the web and in the feeds, never mailed. */
  | { kind: 'empty' }
  /** Older than PAPERBOY_MAX_LATENESS: on the web, mailed only when forced. */
  | { kind: 'late'; days: number };

/** Brings the site up to date and hands out the issue of a day (the newest without one); throws when there is none. */
export async function issueToDispatch(ctx: ByHandContext, date?: string): Promise<IssueToSend> {
  const report = await ctx.builder.build(date === undefined ? {} : { date });
  const day = date ?? report.newest;
  if (day === undefined) throw new PaperboyError(`no digests in ${ctx.config.digestsDir}: nothing to send`);
  return ctx.builder.issue(day);
}

/** What a dry run would send: the messages written, and who would get none and why. */
export interface DryRun {
  issue: string;
  written: number;
  /** Weekly subscribers, left for the weekly email. */
  weekly: number;
  none: { email: string; why: string; topics: string[] }[];
}

/** Writes the message each daily subscriber would get to `outbox`, and touches nothing else. */
export async function dryRunDispatch(ctx: ByHandContext, issue: IssueToSend, outbox: Transport): Promise<DryRun> {
  const make = createMessageMaker(issue, ctx.dispatch(outbox), (await ctx.ledger.rounds.latestRound(issue.id))?.round ?? 0);
  const run: DryRun = { issue: issue.id, written: 0, weekly: 0, none: [] };
  for await (const subscriber of ctx.ledger.rounds.audience('daily')) {
    const message = await make(subscriber);
    if ('skip' in message) run.none.push({ email: subscriber.email, why: message.skip, topics: subscriber.topics });
    else {
      await outbox.send(message);
      run.written++;
    }
  }
  for await (const _ of ctx.ledger.rounds.audience('weekly')) run.weekly++;
  return run;
}

/** How a dispatch by hand is run: forced, reported as it goes, told when its round begins. */
export interface ByHandOptions {
  force?: boolean;
  /** Open the round and leave the sending to the workers (a shared database). */
  queueOnly?: boolean;
  progress?: Progress | undefined;
  /** Called once the dispatch holds the lock and its round is open, with the round and how many are queued. */
  started?: (round: Round, queued: number) => void;
}

/**
 * Mails an issue by hand, by the publication rule the schedule follows (`decidePublication`): the
 * one path of `paperboy dispatch` and of the admin API. A decision not to mail is recorded once; a
 * finished dispatch is recorded as the issue's publication; a stopped one is left to resume.
 * Throws `LockedError` when another dispatch holds the lock.
 */
export async function dispatchByHand(ctx: ByHandContext, issue: IssueToSend, options: ByHandOptions = {}): Promise<ByHand> {
  const force = options.force === true;
  const verdict = await decidePublication(ctx.ledger, issue.digest, ctx.config, ctx.now(), force);
  if (verdict.kind === 'sent') return { kind: 'sent', round: verdict.round };
  if (verdict.kind === 'published') return { kind: 'published', publication: verdict.publication };
  if (verdict.kind === 'empty' || verdict.kind === 'late') {
    await recordWithheld(ctx.ledger, issue.id, verdict, ctx.now());
    return verdict.kind === 'empty' ? { kind: 'empty' } : { kind: 'late', days: verdict.days };
  }
  const inner = options.progress;
  const started = options.started;
  // The dispatch starts its progress once it holds the lock and has opened its round.
  const progress: Progress = {
    async start(total) {
      await inner?.start(total);
      const round = await ctx.ledger.rounds.latestRound(issue.id);
      if (round !== undefined) started?.(round, total);
    },
    tick: (outcome) => inner?.tick(outcome),
    finish: () => inner?.finish(),
  };
  const summary = await dispatchIssue(issue, { ...ctx.dispatch(), progress, signal: ctx.signal }, { force, queueOnly: options.queueOnly });
  if (summary.stopped === undefined && summary.queued === 0) await recordMailed(ctx.ledger, summary, ctx.now());
  return { kind: 'dispatched', summary };
}
