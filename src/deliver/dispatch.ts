import type { IssueToSend } from '../site/index.ts';
import type { Cadence } from '../subscribers/index.ts';
import { doubtNote, LeaseKeeper, sendClaimed, type ClaimedSummary } from './claimed.ts';
import type { DispatchContext, DispatchSummary } from './context.ts';
import { silentProgress } from './progress.ts';

export type { DispatchContext, DispatchSummary } from './context.ts';
export { createMessageMaker, messageIdFor, type MakerOptions } from './maker.ts';

/** One line that says what a dispatch did. */
export function describeDispatch(s: DispatchSummary): string {
  const rate = s.seconds > 0 ? s.sent / s.seconds : 0;
  return (
    `${s.issue}${s.round > 0 ? ` (round ${s.round})` : ''}: ${s.sent} sent, ${s.skipped} skipped, ${s.failed} failed` +
    `${s.doubt > 0 ? `, ${s.doubt} in doubt` : ''}${s.queued > 0 ? `, ${s.queued} still queued` : ''}` +
    `${s.refused > 0 ? ` (${s.refused} refused by the relay)` : ''} in ${s.seconds.toFixed(1)} s (${rate.toFixed(0)} messages a second)`
  );
}

/**
 * Mails an issue to every confirmed subscriber of a cadence, once each. Under the dispatch lock it
 * opens (or resumes) the issue's round, queueing everyone in the ledger, and records the fingerprint
 * of its messages; then it sends the round by claims (`sendClaimed`), marking each delivery sent only
 * after the server's 250, so a dispatch that is stopped or killed is resumed by running it again,
 * which sends only what is not yet sent. A message the relay took without answering is "in doubt":
 * it is not sent again, and the dispatch stops. `force` starts a new round, so an issue already sent
 * goes out again (once per subscriber).
 *
 * Over a shared ledger (`claiming.shared`, PostgreSQL) the lock is let go once the round is open,
 * and the dispatch sends like any worker beside the others, or not at all (`queueOnly`, or a
 * claiming that does not send). A sole sender (SQLite) holds the lock until it is done: what an
 * earlier dispatch held is taken back at once when that one is gone, and a round it stops is closed
 * as stopped, to be resumed by the next run.
 */
export async function dispatchIssue(
  issue: IssueToSend,
  ctx: DispatchContext,
  options: { force?: boolean | undefined; cadence?: Cadence | undefined; queueOnly?: boolean | undefined } = {},
): Promise<DispatchSummary> {
  const started = performance.now();
  const { claiming } = ctx;
  const { rounds, claims } = ctx.ledger;
  const progress = ctx.progress ?? silentProgress;
  const date = issue.id;
  const lock = await ctx.ledger.acquire('dispatch');
  let locked = true;
  const unlock = async () => {
    if (!locked) return;
    locked = false;
    await lock.release();
  };
  try {
    const latest = await rounds.latestRound(date);
    const number = latest === undefined ? 0 : options.force && latest.status === 'done' ? latest.round + 1 : latest.round;
    const round = await rounds.open(date, number, options.cadence ?? 'daily');
    // A sole sender takes back what an earlier one held, unless that one may only be paused: then its leases run out.
    await claims.bringBack(date, number, { leases: !claiming.shared && lock.found !== 'silent' });
    await claims.stamp(round.id, await claiming.fingerprint(issue));
    if (claiming.shared) await unlock();

    const key = [date, round.round] as const;
    await progress.start((await rounds.tally(...key)).queued);
    let sent: ClaimedSummary | undefined;
    const sends = claiming.sends && options.queueOnly !== true;
    if (sends) {
      const keeper = new LeaseKeeper(ctx, claiming.lease);
      await keeper.open({ listed: claiming.shared });
      try {
        sent = await sendClaimed(issue, { ...round, fingerprint: '' }, ctx, keeper);
      } finally {
        await keeper.stop();
      }
    }
    progress.finish();
    // Nobody else sends this round: one this dispatch stopped (on request) is closed, to be resumed.
    if (!claiming.shared && sent !== undefined && !sent.closed) {
      const note = sent.stopped ?? 'stopped';
      await rounds.closeRunning(
        round.id,
        async () => true,
        () => rounds.tally(...key),
        (tally) => [note, doubtNote(tally)].filter(Boolean).join('; '),
      );
    }
    const final = await rounds.tally(...key);
    const now = await rounds.latestRound(date);
    const ended = now?.round === round.round ? now : undefined;
    const stopped = !sends ? undefined : (sent?.stopped ?? (ended?.status === 'stopped' ? ended.note || 'stopped' : undefined));
    return {
      issue: date,
      round: round.round,
      sent: sent?.sent ?? 0,
      skipped: sent?.skipped ?? 0,
      failed: sent?.failed ?? 0,
      doubt: final.doubt,
      queued: final.queued,
      refused: sent?.refused ?? 0,
      seconds: (performance.now() - started) / 1000,
      stopped,
    };
  } finally {
    await unlock();
  }
}
