import { join } from 'node:path';
import type { App } from '../app.ts';
import { createMessageMaker, createProgress, describeDispatch, dispatchIssue, makeTestCopy, type Transport } from '../deliver/index.ts';
import { PaperboyError, UsageError } from '../errors.ts';
import { plural, type Output } from '../output.ts';
import { decidePublication, recordMailed, recordWithheld } from '../publish/index.ts';
import type { IssueToSend } from '../site/index.ts';
import { addressProblem } from '../subscribers/index.ts';
import type { CommandContext } from './context.ts';

/** What `dispatch` takes on the command line. */
export interface DispatchFlags {
  date?: unknown;
  dryRun?: unknown;
  to?: unknown;
  force?: unknown;
}

async function testCopy(app: App, issue: IssueToSend, to: string, output: Output): Promise<number> {
  // A subscriber with that address gets a copy with their own links; anyone else, links of nobody.
  const holder = app.store.find(to);
  const reply = await app.transport.send(await makeTestCopy(issue, app.dispatchContext(), to, holder));
  const whose = holder ? `its links are ${holder.email}'s` : 'its links belong to no subscriber';
  output.out(`test copy of ${issue.id} sent to ${to} through ${app.transport.name} (${whose}): ${reply}`);
  return 0;
}

// How many of those who would get nothing a dry run names, one line each.
const DRY_RUN_LISTED = 50;

async function dryRun(app: App, issue: IssueToSend, outbox: Transport, output: Output): Promise<number> {
  const make = createMessageMaker(issue, app.dispatchContext(outbox), app.ledger.rounds.latestRound(issue.id)?.round ?? 0);
  let written = 0;
  const none: string[] = [];
  for (const subscriber of app.ledger.rounds.audience('daily')) {
    const message = await make(subscriber);
    if ('skip' in message) none.push(`  ${subscriber.email}: ${message.skip} (${subscriber.topics.join(', ')})`);
    else {
      await outbox.send(message);
      written++;
    }
  }
  let weekly = 0;
  for (const _ of app.ledger.rounds.audience('weekly')) weekly++;
  const weeklies = weekly > 0 ? `, ${plural(weekly, 'weekly subscriber')} left for the weekly email` : '';
  output.out(
    `dry run of ${issue.id}: ${plural(written, 'message')} written to ${join(app.config.outDir, 'outbox')} (one file per recipient, named after them)${weeklies}, ` +
      `${plural(none.length, 'subscriber')} would get none${none.length > 0 ? ':' : ''}`,
  );
  for (const line of none.slice(0, DRY_RUN_LISTED)) output.out(line);
  if (none.length > DRY_RUN_LISTED) output.out(`  … and ${none.length - DRY_RUN_LISTED} more`);
  return 0;
}

/** `paperboy dispatch [--date D] [--dry-run] [--to ADDR] [--force]`. */
export async function dispatchCommand(ctx: CommandContext, flags: DispatchFlags): Promise<number> {
  const date = typeof flags.date === 'string' ? flags.date : undefined;
  const to = typeof flags.to === 'string' ? flags.to : undefined;
  const force = flags.force === true;
  const problem = to === undefined ? undefined : addressProblem(to);
  if (problem) throw new UsageError(`--to ${to}: the address ${problem}`);
  const app = ctx.app({ sends: true });
  const { output } = ctx;
  const report = await app.builder.build(date === undefined ? {} : { date });
  const day = date ?? report.newest;
  if (day === undefined) throw new PaperboyError(`no digests in ${app.config.digestsDir}: nothing to send`);
  const issue = await app.builder.issue(day);
  if (to !== undefined) return testCopy(app, issue, to, output);
  if (flags.dryRun) return dryRun(app, issue, app.outbox(), output);

  const verdict = decidePublication(app.ledger, issue.digest, app.config, app.now(), force);
  if (verdict.kind === 'sent') {
    output.out(`${day} was already sent (${verdict.round.sent} sent, finished ${verdict.round.finishedAt}); --force sends it again`);
    return 0;
  }
  if (verdict.kind === 'published') {
    output.out(`${day} was published on ${verdict.publication.publishedAt} and not mailed (${verdict.publication.note}); --force mails it`);
    return 0;
  }
  if (verdict.kind === 'empty') {
    await recordWithheld(app.ledger, day, verdict, app.now());
    output.out(`${day} has no papers: it is on the web, not in the feeds, and is not mailed`);
    return 0;
  }
  if (verdict.kind === 'late') {
    await recordWithheld(app.ledger, day, verdict, app.now());
    const limit = `PAPERBOY_MAX_LATENESS is ${app.config.maxLateness}`;
    output.err(`${day} is ${verdict.days} days old (${limit}): it is on the web, not mailed; --force mails it anyway`);
    return 1;
  }
  const log = app.config.logFormat === 'json' ? app.log : undefined;
  const progress = ctx.progress ? createProgress(ctx.progress, `dispatch ${day}`, log) : undefined;
  const summary = await dispatchIssue(issue, { ...app.dispatchContext(), progress }, { force });
  output.out(describeDispatch(summary));
  if (summary.stopped !== undefined) {
    const doubt = summary.doubt > 0 ? `; ${summary.doubt} in doubt (taken by the relay without an answer) are not sent again` : '';
    output.err(`${day}: stopped: ${summary.stopped}; once that is fixed, run dispatch again: what was sent is not sent again${doubt}`);
    return 1;
  }
  await recordMailed(app.ledger, summary, app.now());
  return 0;
}
