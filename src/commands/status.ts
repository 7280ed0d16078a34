import { describeComplaints } from '../deliverability/index.ts';
import { inZone } from '../schedule.ts';
import type { SenderHolding } from '../ledger/index.ts';
import { describeWebhooks, readStatus, type RelayRefusals } from '../status.ts';
import type { CommandContext } from './context.ts';

function describeRefusals(r: RelayRefusals): string {
  const why = r.reasons.map(
    (reason) => `${reason.count} ${reason.code ? `with ${reason.code}` : 'without a status code'}, latest "${reason.reply}"`,
  );
  const share = `${r.refused} of the ${r.of} deliveries it was offered (${Math.round(r.share * 100)} %)`;
  return `refused by the relay: ${share}, left queued and counted against nobody: ${why.join('; ')}`;
}

function describeSender(s: SenderHolding): string {
  const held =
    s.held.length === 0
      ? 'holds nothing'
      : `holds ${s.held.map((h) => `${h.count} of ${h.issue}${h.round > 0 ? ` (round ${h.round})` : ''}`).join(', ')}`;
  const lapsed = s.lapsed
    ? `; LEASE RAN OUT (silent for ${ago(Math.round(s.silentMs / 1000))}: paused or gone; what it held goes back to the queue)`
    : '';
  return `sender ${s.id} since ${s.startedAt}: ${held}${lapsed}${s.note ? `; ${s.note}` : ''}`;
}

function ago(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)} min`;
  return `${Math.round(seconds / 3600)} h`;
}

const when = (iso: string | null, timeZone: string) => inZone(iso === null ? null : new Date(iso), timeZone);

/** `paperboy status [--json]`: publications, schedule, subscribers, the last dispatch, anything stuck. */
export async function statusCommand(ctx: CommandContext, flags: { json?: unknown }): Promise<number> {
  const app = ctx.app({ readOnly: true });
  const status = await readStatus(app);
  if (flags.json) {
    ctx.output.out(JSON.stringify(status, null, 2));
    return 0;
  }
  const { source } = status;
  const {
    lastPublication: last,
    subscribers,
    last30Days: recent,
    lastDispatch: round,
    relayRefusals: refusals,
    dispatchRunning: running,
    attention: stuck,
    timeZone,
  } = status;
  ctx.output.out(
    [
      `database: ${status.database}`,
      ...(source
        ? [
            `source: ${source.spec}: last good sync ` +
              `${source.lastGoodSync ? `${source.lastGoodSync} (${ago(source.secondsSinceGoodSync ?? 0)} ago)` : 'never'}` +
              `${source.revision ? ` at ${source.revision}` : ''}`,
          ]
        : []),
      `last publication: ${last ? `${last.issue} at ${last.publishedAt}: ${last.mailed ? 'mailed' : 'not mailed'} (${last.note})` : 'none yet'}`,
      `next publication: ${when(status.nextPublication, timeZone)} (weekly: ${when(status.nextWeekly, timeZone)})`,
      `subscribers: ${subscribers.confirmed} confirmed, ${subscribers.pending} pending, ` +
        `${subscribers.unsubscribed} unsubscribed, ${subscribers.bounced} bounced`,
      `last 30 days: ${recent.confirmationsSent} confirmations sent, ${recent.confirmed} confirmed, ${recent.unsubscribed} unsubscribed, ` +
        `${recent.hardBounces} hard and ${recent.softBounces} soft bounces, ${recent.markedBounced} marked bounced`,
      `spam complaints: ${describeComplaints(status.complaints)}`,
      `last dispatch: ${
        round
          ? `${round.issue}${round.round > 0 ? ` round ${round.round}` : ''}: ${round.status}, ` +
            `${round.sent} sent, ${round.skipped} skipped, ${round.failed} failed${round.note ? ` (${round.note})` : ''}`
          : 'none yet'
      }`,
      ...(refusals ? [describeRefusals(refusals)] : []),
      `webhooks: ${describeWebhooks(status.webhooks)}`,
      ...(running ? [`dispatch running: process ${running.pid} on ${running.host} since ${running.since}`] : []),
      ...status.senders.map(describeSender),
      stuck.length > 0 ? `needs attention:\n${stuck.map((s) => `  - ${s}`).join('\n')}` : 'needs attention: nothing',
    ].join('\n'),
  );
  return 0;
}
