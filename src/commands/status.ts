import { complaintRate, complaintWarning, describeComplaints } from '../deliverability/index.ts';
import { commandHint } from '../hints.ts';
import { findDigests } from '../digest/index.ts';
import { inZone, nextRun } from '../schedule.ts';
import type { Refusals, Round, Rounds } from '../ledger/index.ts';
import type { CommandContext } from './context.ts';

/** The share of a round's deliveries the relay refused (left queued, counted against nobody), and why. */
interface RelayRefusals {
  refused: number;
  /** The deliveries the relay answered: taken, refused, or left in doubt. */
  of: number;
  /** The refused share, from 0 to 1. */
  share: number;
  reasons: Refusals[];
}

function relayRefusals(rounds: Rounds, round: Round): RelayRefusals | null {
  const reasons = rounds.refusals(round.issue, round.round);
  if (reasons.length === 0) return null;
  const refused = reasons.reduce((sum, r) => sum + r.count, 0);
  // Of the deliveries the relay was offered and answered: those it took, refused or left in doubt.
  const tally = rounds.tally(round.issue, round.round);
  const of = tally.sent + tally.failed + tally.doubt + refused;
  return { refused, of, share: of > 0 ? refused / of : 0, reasons };
}

function describeRefusals(r: RelayRefusals): string {
  const why = r.reasons.map((reason) => `${reason.count} ${reason.code ? `with ${reason.code}` : 'without a status code'}, latest "${reason.reply}"`);
  const share = `${r.refused} of the ${r.of} deliveries it was offered (${Math.round(r.share * 100)} %)`;
  return `refused by the relay: ${share}, left queued and counted against nobody: ${why.join('; ')}`;
}

/** `paperboy status [--json]`: publications, schedule, subscribers, the last dispatch, anything stuck. */
export async function statusCommand(ctx: CommandContext, flags: { json?: unknown }): Promise<number> {
  const app = ctx.app({ readOnly: true });
  const { config, store, ledger } = app;
  const subscribers = store.counts();
  const events = store.eventCounts(new Date(app.now().getTime() - 30 * 86_400_000).toISOString());
  const recent = {
    confirmationsSent: events['confirmation-sent'] ?? 0,
    confirmed: events.confirmed ?? 0,
    unsubscribed: events.unsubscribed ?? 0,
    hardBounces: events['hard-bounce'] ?? 0,
    softBounces: events['soft-bounce'] ?? 0,
    markedBounced: events.bounced ?? 0,
    complaints: events.complaint ?? 0,
  };
  // Spam complaints against the messages of the last ten dispatches.
  const complaints = complaintRate(ledger.rounds.recent(10), (since) => store.eventCounts(since).complaint ?? 0);
  const newest = (await findDigests(config.digestsDir).catch(() => [])).at(-1);
  const last = ledger.publications.last();
  const round = ledger.rounds.lastRound();
  const lock = ledger.holder('dispatch');
  const stuck: string[] = [];
  const name = (r: { issue: string; round: number }) => `${r.issue}${r.round > 0 ? ` (round ${r.round})` : ''}`;
  for (const r of ledger.rounds.unfinished()) {
    const queued = ledger.rounds.tally(r.issue, r.round).queued;
    const running = r.status === 'running' && lock !== undefined && !lock.gone;
    const why = r.note ? ` (${r.note})` : '';
    if (!running) stuck.push(`the dispatch of ${name(r)} stopped with ${queued} queued${why}: ${commandHint(config.invocation, `dispatch --date ${r.issue}`)} resumes it`);
  }
  if (lock?.gone) stuck.push(`the dispatch lock is held by process ${lock.pid} on ${lock.host}, which is gone (since ${lock.heartbeatAt}): the next dispatch takes it over and resumes`);
  for (const d of ledger.rounds.inDoubt()) {
    stuck.push(`${d.count} ${d.count === 1 ? 'message' : 'messages'} of ${name(d)} in doubt: the relay took them and never answered; they may have arrived, and are not sent again`);
  }
  const complaintNote = complaintWarning(complaints, config.invocation);
  if (complaintNote !== undefined) stuck.push(complaintNote);
  if (newest && !ledger.publications.get(newest.date) && !stuck.some((s) => s.includes(newest.date))) stuck.push(`the newest digest, ${newest.date}, is not published yet`);
  const refusals = round ? relayRefusals(ledger.rounds, round) : null;
  const next = nextRun(config.schedule, config.timeZone);
  const nextWeekly = nextRun(config.weeklySchedule, config.timeZone);
  const status = {
    lastPublication: last ?? null,
    nextPublication: next?.toISOString() ?? null,
    nextWeekly: nextWeekly?.toISOString() ?? null,
    timeZone: config.timeZone,
    subscribers,
    last30Days: recent,
    complaints,
    lastDispatch: round ?? null,
    relayRefusals: refusals,
    dispatchRunning: lock && !lock.gone ? { pid: lock.pid, host: lock.host, since: lock.acquiredAt } : null,
    attention: stuck,
  };
  if (flags.json) {
    ctx.output.out(JSON.stringify(status, null, 2));
    return 0;
  }
  ctx.output.out(
    [
      `last publication: ${last ? `${last.issue} at ${last.publishedAt}: ${last.mailed ? 'mailed' : 'not mailed'} (${last.note})` : 'none yet'}`,
      `next publication: ${inZone(next, config.timeZone)} (weekly: ${inZone(nextWeekly, config.timeZone)})`,
      `subscribers: ${subscribers.confirmed} confirmed, ${subscribers.pending} pending, ${subscribers.unsubscribed} unsubscribed, ${subscribers.bounced} bounced`,
      `last 30 days: ${recent.confirmationsSent} confirmations sent, ${recent.confirmed} confirmed, ${recent.unsubscribed} unsubscribed, ${recent.hardBounces} hard and ${recent.softBounces} soft bounces, ${recent.markedBounced} marked bounced`,
      `spam complaints: ${describeComplaints(complaints)}`,
      `last dispatch: ${round ? `${round.issue}${round.round > 0 ? ` round ${round.round}` : ''}: ${round.status}, ${round.sent} sent, ${round.skipped} skipped, ${round.failed} failed${round.note ? ` (${round.note})` : ''}` : 'none yet'}`,
      ...(refusals ? [describeRefusals(refusals)] : []),
      ...(lock && !lock.gone ? [`dispatch running: process ${lock.pid} on ${lock.host} since ${lock.acquiredAt}`] : []),
      stuck.length > 0 ? `needs attention:\n${stuck.map((s) => `  - ${s}`).join('\n')}` : 'needs attention: nothing',
    ].join('\n'),
  );
  return 0;
}
