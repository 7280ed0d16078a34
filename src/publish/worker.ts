import { setTimeout as sleep } from 'node:timers/promises';
import { LeaseKeeper, sendClaimed } from '../deliver/index.ts';
import { PaperboyError } from '../errors.ts';
import type { IssueToSend } from '../site/index.ts';
import type { PublishContext } from './context.ts';
import { composeWeek } from './weekly.ts';

/** How long a worker with nothing to send waits before looking again. */
const IDLE_MS = 1_000;

/** The issue a round sends, built here as the process that opened it built it: a day's, or a week's (`week-YYYY-MM-DD`). */
export async function issueOfRound(ctx: Pick<PublishContext, 'builder'>, id: string): Promise<IssueToSend> {
  const week = /^week-(\d{4}-\d{2}-\d{2})$/.exec(id)?.[1];
  if (week !== undefined) {
    const issue = await composeWeek(ctx, new Date(`${week}T12:00:00Z`));
    if (issue === undefined) throw new PaperboyError(`${id}: no papers that week in the digests here`);
    return issue;
  }
  await ctx.builder.build({ date: id });
  return ctx.builder.issue(id);
}

/** What a worker did before it was stopped. */
export interface WorkerTotals {
  rounds: number;
  sent: number;
}

/**
 * `paperboy worker`'s loop: sends the running rounds of a shared ledger (PostgreSQL) by claims, with
 * this process's own SMTP connections, beside any other worker, until `ctx.signal` stops it; then
 * what is on its way finishes and what it holds is given back. A round whose messages this worker
 * would make differently (another program version, digest, templates or message settings: another
 * fingerprint) is left alone, said once in the log and in `status`.
 */
export async function runWorker(ctx: PublishContext, told: { onNote?: (note: string) => void } = {}): Promise<WorkerTotals> {
  const dispatch = { ...ctx.dispatch(), signal: ctx.signal };
  const claiming = dispatch.claiming;
  if (!claiming.shared) throw new PaperboyError('a worker needs PAPERBOY_DATABASE_URL (several senders share a PostgreSQL database)');
  const { claims } = ctx.ledger;
  const keeper = new LeaseKeeper(dispatch, claiming.lease);
  const issues = new Map<number, IssueToSend>();
  const leftAlone = new Map<number, string>();
  const totals: WorkerTotals = { rounds: 0, sent: 0 };
  await keeper.open();
  ctx.log.info('worker started', { id: claiming.lease.owner, leaseMs: claiming.lease.leaseMs });
  try {
    while (!ctx.signal.aborted) {
      let sent = 0;
      for (const round of await claims.running()) {
        if (ctx.signal.aborted) break;
        if (leftAlone.has(round.id)) continue;
        let issue = issues.get(round.id);
        let why: string | undefined;
        try {
          issue ??= await issueOfRound(ctx, round.issue);
          const mine = await claiming.fingerprint(issue);
          if (round.fingerprint !== '' && mine !== round.fingerprint)
            why = 'its messages would differ from what this worker makes (another program version, digest, templates or message settings)';
        } catch (error) {
          why = `its issue cannot be built here: ${(error as Error).message}`;
        }
        if (why !== undefined || issue === undefined) {
          const note = `left ${round.issue}${round.round > 0 ? ` (round ${round.round})` : ''} alone: ${why}`;
          leftAlone.set(round.id, note);
          ctx.log.warn('round left alone', { issue: round.issue, round: round.round, reason: why });
          told.onNote?.(note);
          await claims.note(claiming.lease.owner, [...leftAlone.values()].join('; '));
          continue;
        }
        issues.set(round.id, issue);
        const result = await sendClaimed(issue, round, dispatch, keeper);
        totals.rounds++;
        totals.sent += result.sent;
        sent += result.sent + result.skipped + result.failed + result.deferred;
        ctx.log.info('round sent', {
          issue: round.issue,
          round: round.round,
          sent: result.sent,
          skipped: result.skipped,
          failed: result.failed,
          deferred: result.deferred,
          ...(result.notStarted > 0 ? { notStarted: result.notStarted } : {}),
          ...(result.closed ? { closed: true } : {}),
          ...(result.stopped ? { stopped: result.stopped } : {}),
        });
      }
      if (sent === 0) await sleep(IDLE_MS, undefined, { signal: ctx.signal }).catch(() => undefined);
    }
  } finally {
    await keeper.stop();
  }
  ctx.log.info('worker stopped', { rounds: totals.rounds, sent: totals.sent });
  return totals;
}
