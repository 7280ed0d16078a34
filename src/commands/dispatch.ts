import { join } from 'node:path';
import type { App } from '../app.ts';
import { createProgress, describeDispatch, makeTestCopy } from '../deliver/index.ts';
import { UsageError } from '../errors.ts';
import { plural, type Output } from '../output.ts';
import { dispatchByHand, dryRunDispatch, issueToDispatch, type DryRun } from '../publish/index.ts';
import type { IssueToSend } from '../site/index.ts';
import { addressProblem } from '../subscribers/index.ts';
import type { CommandContext } from './context.ts';

/** What `dispatch` takes on the command line. */
export interface DispatchFlags {
  date?: unknown;
  dryRun?: unknown;
  to?: unknown;
  force?: unknown;
  queueOnly?: unknown;
}

async function testCopy(app: App, issue: IssueToSend, to: string, output: Output): Promise<number> {
  // A subscriber with that address gets a copy with their own links; anyone else, links of nobody.
  const holder = await app.store.find(to);
  const reply = await app.transport.send(await makeTestCopy(issue, app.dispatchContext(), to, holder));
  const whose = holder ? `its links are ${holder.email}'s` : 'its links belong to no subscriber';
  output.out(`test copy of ${issue.id} sent to ${to} through ${app.transport.name} (${whose}): ${reply}`);
  return 0;
}

// How many of those who would get nothing a dry run names, one line each.
const DRY_RUN_LISTED = 50;

function printDryRun(run: DryRun, outboxDir: string, output: Output): number {
  const weeklies = run.weekly > 0 ? `, ${plural(run.weekly, 'weekly subscriber')} left for the weekly email` : '';
  output.out(
    `dry run of ${run.issue}: ${plural(run.written, 'message')} written to ${outboxDir} ` +
      `(one file per recipient, named after them)${weeklies}, ` +
      `${plural(run.none.length, 'subscriber')} would get none${run.none.length > 0 ? ':' : ''}`,
  );
  for (const none of run.none.slice(0, DRY_RUN_LISTED)) output.out(`  ${none.email}: ${none.why} (${none.topics.join(', ')})`);
  if (run.none.length > DRY_RUN_LISTED) output.out(`  … and ${run.none.length - DRY_RUN_LISTED} more`);
  return 0;
}

/** `paperboy dispatch [--date D] [--dry-run] [--to ADDR] [--force]`. */
export async function dispatchCommand(ctx: CommandContext, flags: DispatchFlags): Promise<number> {
  const date = typeof flags.date === 'string' ? flags.date : undefined;
  const to = typeof flags.to === 'string' ? flags.to : undefined;
  const force = flags.force === true;
  const queueOnly = flags.queueOnly === true;
  if (queueOnly && ctx.config().databaseUrl === undefined)
    throw new UsageError('--queue-only leaves the sending to workers, which need PostgreSQL: set PAPERBOY_DATABASE_URL');
  const problem = to === undefined ? undefined : addressProblem(to);
  if (problem) throw new UsageError(`--to ${to}: the address ${problem}`);
  const app = ctx.app({ sends: true });
  const { output } = ctx;
  const jobs = app.jobs(new AbortController().signal);
  const issue = await issueToDispatch(jobs, date);
  const day = issue.id;
  if (to !== undefined) return testCopy(app, issue, to, output);
  if (flags.dryRun) return printDryRun(await dryRunDispatch(jobs, issue, app.outbox()), join(app.config.outDir, 'outbox'), output);

  const log = app.config.logFormat === 'json' ? app.log : undefined;
  const progress = ctx.progress ? createProgress(ctx.progress, `dispatch ${day}`, log) : undefined;
  const outcome = await dispatchByHand(jobs, issue, { force, progress, queueOnly });
  if (outcome.kind === 'sent') {
    output.out(`${day} was already sent (${outcome.round.sent} sent, finished ${outcome.round.finishedAt}); --force sends it again`);
    return 0;
  }
  if (outcome.kind === 'published') {
    output.out(`${day} was published on ${outcome.publication.publishedAt} and not mailed (${outcome.publication.note}); --force mails it`);
    return 0;
  }
  if (outcome.kind === 'empty') {
    output.out(`${day} has no papers: it is on the web, not in the feeds, and is not mailed`);
    return 0;
  }
  if (outcome.kind === 'late') {
    const limit = `PAPERBOY_MAX_LATENESS is ${app.config.maxLateness}`;
    output.err(`${day} is ${outcome.days} days old (${limit}): it is on the web, not mailed; --force mails it anyway`);
    return 1;
  }
  const { summary } = outcome;
  if (queueOnly) {
    output.out(`${day}${summary.round > 0 ? ` (round ${summary.round})` : ''}: ${summary.queued} queued for the workers`);
    return 0;
  }
  output.out(describeDispatch(summary));
  if (summary.stopped !== undefined) {
    const doubt = summary.doubt > 0 ? `; ${summary.doubt} in doubt (taken by the relay without an answer) are not sent again` : '';
    output.err(`${day}: stopped: ${summary.stopped}; once that is fixed, run dispatch again: what was sent is not sent again${doubt}`);
    return 1;
  }
  return 0;
}
