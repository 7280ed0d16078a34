import type { Config } from '../config.ts';
import { Ledger } from '../deliver/ledger.ts';
import { Publications } from '../deliver/publications.ts';
import { findDigests } from '../digest/index.ts';
import { inZone, nextRun } from '../schedule.ts';
import { openDatabase } from '../subscribers/db.ts';
import { SubscriberStore } from '../subscribers/store.ts';
import type { Output } from './_output.ts';

/** `paperboy status [--json]`: publications, schedule, subscribers, the last dispatch, anything stuck. */
export async function statusCommand(config: Config, options: { json?: boolean }, output: Output): Promise<number> {
  const db = openDatabase(config.dataDir);
  try {
    const publications = new Publications(db);
    const ledger = new Ledger(db);
    const store = new SubscriberStore(db);
    const subscribers = store.counts();
    const events = store.eventCounts(new Date(Date.now() - 30 * 86_400_000).toISOString());
    const recent = {
      confirmationsSent: events['confirmation-sent'] ?? 0,
      confirmed: events.confirmed ?? 0,
      unsubscribed: events.unsubscribed ?? 0,
      hardBounces: events['hard-bounce'] ?? 0,
      softBounces: events['soft-bounce'] ?? 0,
      markedBounced: events.bounced ?? 0,
    };
    const newest = (await findDigests(config.digestsDir).catch(() => [])).at(-1);
    const last = publications.last();
    const round = ledger.lastRound();
    const lock = db.prepare<[], { pid: number; host: string; acquired_at: string; heartbeat_at: string }>("SELECT pid, host, acquired_at, heartbeat_at FROM locks WHERE name = 'dispatch'").get();
    const stuck: string[] = [];
    for (const r of db.prepare<[], { issue: string; round: number; status: string }>("SELECT issue, round, status FROM dispatches WHERE status != 'done' ORDER BY started_at").all()) {
      const queued = ledger.tally(r.issue, r.round).queued;
      const running = r.status === 'running' && lock !== undefined;
      if (!running) stuck.push(`the dispatch of ${r.issue}${r.round > 0 ? ` (round ${r.round})` : ''} is unfinished with ${queued} queued: \`paperboy dispatch --date ${r.issue}\` resumes it`);
    }
    if (newest && !publications.get(newest.date) && !stuck.some((s) => s.includes(newest.date))) stuck.push(`the newest digest, ${newest.date}, is not published yet`);
    const status = {
      lastPublication: last ?? null,
      nextPublication: nextRun(config.schedule, config.timeZone)?.toISOString() ?? null,
      nextWeekly: nextRun(config.weeklySchedule, config.timeZone)?.toISOString() ?? null,
      timeZone: config.timeZone,
      subscribers,
      last30Days: recent,
      lastDispatch: round ?? null,
      dispatchRunning: lock ? { pid: lock.pid, host: lock.host, since: lock.acquired_at } : null,
      attention: stuck,
    };
    if (options.json) {
      output.out(JSON.stringify(status, null, 2));
      return 0;
    }
    output.out(
      [
        `last publication: ${last ? `${last.issue} at ${last.publishedAt}: ${last.mailed ? 'mailed' : 'not mailed'} (${last.note})` : 'none yet'}`,
        `next publication: ${inZone(nextRun(config.schedule, config.timeZone), config.timeZone)} (weekly: ${inZone(nextRun(config.weeklySchedule, config.timeZone), config.timeZone)})`,
        `subscribers: ${subscribers.confirmed} confirmed, ${subscribers.pending} pending, ${subscribers.unsubscribed} unsubscribed, ${subscribers.bounced} bounced`,
        `last 30 days: ${recent.confirmationsSent} confirmations sent, ${recent.confirmed} confirmed, ${recent.unsubscribed} unsubscribed, ${recent.hardBounces} hard and ${recent.softBounces} soft bounces, ${recent.markedBounced} marked bounced`,
        `last dispatch: ${round ? `${round.issue}${round.round > 0 ? ` round ${round.round}` : ''}: ${round.status}, ${round.sent} sent, ${round.skipped} skipped, ${round.failed} failed${round.note ? ` (${round.note})` : ''}` : 'none yet'}`,
        ...(lock ? [`dispatch running: process ${lock.pid} on ${lock.host} since ${lock.acquired_at}`] : []),
        stuck.length > 0 ? `needs attention:\n${stuck.map((s) => `  - ${s}`).join('\n')}` : 'needs attention: nothing',
      ].join('\n'),
    );
    return 0;
  } finally {
    db.close();
  }
}
