import type { Config } from './config.ts';
import type { Sql, WebhookBacklog, WebhookEvents } from './db/index.ts';
import { complaintRate, complaintWarning, type ComplaintRate } from './deliverability/index.ts';
import { findDigests } from './digest/index.ts';
import { commandHint } from './hints.ts';
import type { IssueLedger, Publication, Refusals, Round, Rounds, SenderHolding, SourceRecords } from './ledger/index.ts';
import { nextRun } from './schedule.ts';
import { syncHealth, type SyncHealth } from './source/index.ts';
import type { SubscriberStatus, SubscriberStore } from './subscribers/index.ts';

/** The share of a round's deliveries the relay refused (left queued, counted against nobody), and why. */
export interface RelayRefusals {
  refused: number;
  /** The deliveries the relay answered: taken, refused, or left in doubt. */
  of: number;
  /** The refused share, from 0 to 1. */
  share: number;
  reasons: Refusals[];
}

/** What `paperboy status --json` prints and `GET /api/v1/status` answers. */
export interface Status {
  /** Where the list and the ledger are: the SQLite file, or the server's URL without its password. */
  database: string;
  /** How the syncs from PAPERBOY_DIGESTS_SOURCE went; null when the digests folder is its own source. */
  source: SyncHealth | null;
  lastPublication: Publication | null;
  nextPublication: string | null;
  nextWeekly: string | null;
  timeZone: string;
  subscribers: Record<SubscriberStatus, number>;
  last30Days: {
    confirmationsSent: number;
    confirmed: number;
    unsubscribed: number;
    hardBounces: number;
    softBounces: number;
    markedBounced: number;
    complaints: number;
  };
  complaints: ComplaintRate;
  lastDispatch: Round | null;
  relayRefusals: RelayRefusals | null;
  dispatchRunning: { pid: number; host: string; since: string } | null;
  /** The senders of a shared database seen in the last hour: what each holds of the running rounds, and whether its lease ran out. */
  senders: SenderHolding[];
  /** The webhook receivers, and the events not yet delivered to them. */
  webhooks: WebhookStatus;
  /** What needs the operator, one sentence each. */
  attention: string[];
}

/** How many webhook receivers there are, and what waits for them. */
export interface WebhookStatus extends WebhookBacklog {
  receivers: number;
}

/** What waits for the webhook receivers, in words; never their addresses, never the secret. */
export function describeWebhooks(w: WebhookStatus): string {
  if (w.receivers === 0 && w.pending === 0) return 'off (PAPERBOY_WEBHOOK_URL is not set)';
  if (w.pending === 0) return `nothing undelivered (${w.receivers} ${w.receivers === 1 ? 'receiver' : 'receivers'})`;
  const last = w.lastError === null ? '' : `; last failure: ${w.lastError}`;
  return `${w.pending} undelivered ${w.pending === 1 ? 'event' : 'events'} since ${w.oldest}${last}`;
}

// Webhook events waiting longer than this need the operator.
const WEBHOOKS_LATE_MS = 10 * 60_000;

/** What the status is read from. */
export interface StatusParts {
  config: Pick<Config, 'digestsDir' | 'invocation' | 'schedule' | 'weeklySchedule' | 'timeZone' | 'webhooks' | 'source'>;
  sql: Pick<Sql, 'name'>;
  store: SubscriberStore;
  webhookEvents: Pick<WebhookEvents, 'backlog'>;
  sourceRecords: SourceRecords;
  ledger: IssueLedger;
  now: () => Date;
}

async function relayRefusals(rounds: Rounds, round: Round): Promise<RelayRefusals | null> {
  const reasons = await rounds.refusals(round.issue, round.round);
  if (reasons.length === 0) return null;
  const refused = reasons.reduce((sum, r) => sum + r.count, 0);
  // Of the deliveries the relay was offered and answered: those it took, refused or left in doubt.
  const tally = await rounds.tally(round.issue, round.round);
  const of = tally.sent + tally.failed + tally.doubt + refused;
  return { refused, of, share: of > 0 ? refused / of : 0, reasons };
}

/** Publications, schedule, subscribers, the last dispatch, and anything stuck: the one reading of the program's state. */
export async function readStatus({ config, sql, store, ledger, webhookEvents, sourceRecords, now }: StatusParts): Promise<Status> {
  const subscribers = await store.counts();
  const events = await store.eventCounts(new Date(now().getTime() - 30 * 86_400_000).toISOString());
  const last30Days = {
    confirmationsSent: events['confirmation-sent'] ?? 0,
    confirmed: events.confirmed ?? 0,
    unsubscribed: events.unsubscribed ?? 0,
    hardBounces: events['hard-bounce'] ?? 0,
    softBounces: events['soft-bounce'] ?? 0,
    markedBounced: events.bounced ?? 0,
    complaints: events.complaint ?? 0,
  };
  // Spam complaints against the messages of the last ten dispatches.
  const recent = await ledger.rounds.recent(10);
  const after = await ledger.aftermath(recent);
  const complaints = complaintRate(recent.map((r, i) => ({ sent: r.sent, complained: after[i]?.complained ?? 0 })));
  const newest = (await findDigests(config.digestsDir).catch(() => [])).at(-1);
  const last = await ledger.publications.last();
  const round = await ledger.rounds.lastRound();
  const lock = await ledger.holder('dispatch');
  const stuck: string[] = [];
  const name = (r: { issue: string; round: number }) => `${r.issue}${r.round > 0 ? ` (round ${r.round})` : ''}`;
  for (const { round: r, running, queued } of await ledger.unfinished()) {
    const why = r.note ? ` (${r.note})` : '';
    if (!running)
      stuck.push(
        `the dispatch of ${name(r)} stopped with ${queued} queued${why}: ` +
          `${commandHint(config.invocation, `dispatch --date ${r.issue}`)} resumes it`,
      );
  }
  if (lock?.gone)
    stuck.push(
      `the dispatch lock is held by process ${lock.pid} on ${lock.host}, which is gone (since ${lock.heartbeatAt}): ` +
        'the next dispatch takes it over and resumes',
    );
  for (const d of await ledger.rounds.inDoubt()) {
    stuck.push(
      `${d.count} ${d.count === 1 ? 'message' : 'messages'} of ${name(d)} in doubt: ` +
        'the relay took them and never answered; they may have arrived, and are not sent again',
    );
  }
  const complaintNote = complaintWarning(complaints, config.invocation);
  if (complaintNote !== undefined) stuck.push(complaintNote);
  if (newest && !(await ledger.publications.get(newest.date)) && !stuck.some((s) => s.includes(newest.date)))
    stuck.push(`the newest digest, ${newest.date}, is not published yet`);
  const webhooks = { receivers: config.webhooks.urls.length, ...(await webhookEvents.backlog()) };
  if (webhooks.oldest !== null && now().getTime() - Date.parse(webhooks.oldest) > WEBHOOKS_LATE_MS) {
    stuck.push(`webhooks: ${describeWebhooks(webhooks)}: is the receiver up and answering 2xx?`);
  }
  const source = await syncHealth(config.source, sourceRecords, now());
  if (source?.problem) stuck.push(`the last sync failed (${source.problem}); last good sync: ${source.lastGoodSync ?? 'never'}`);
  return {
    database: sql.name,
    source,
    lastPublication: last ?? null,
    nextPublication: nextRun(config.schedule, config.timeZone)?.toISOString() ?? null,
    nextWeekly: nextRun(config.weeklySchedule, config.timeZone)?.toISOString() ?? null,
    timeZone: config.timeZone,
    subscribers,
    last30Days,
    complaints,
    lastDispatch: round ?? null,
    relayRefusals: round ? await relayRefusals(ledger.rounds, round) : null,
    dispatchRunning: lock && !lock.gone ? { pid: lock.pid, host: lock.host, since: lock.acquiredAt } : null,
    senders: await ledger.claims.senders(),
    webhooks,
    attention: stuck,
  };
}
