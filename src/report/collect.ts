import type { Aftermath, IssueLedger } from '../ledger/index.ts';
import type { SubscriberStatus, SubscriberStore } from '../subscribers/index.ts';

/** One dispatch round in the report: what it sent, how fast, and what came back after its messages. */
export interface IssueFigures {
  issue: string;
  round: number;
  startedAt: string;
  status: 'running' | 'done' | 'stopped';
  /** Messages the relay took. */
  delivered: number;
  /** Messages refused for good while sending. */
  failed: number;
  /** Bounce reports, spam complaints and readers who left, each counted for the last message sent to that reader before it. */
  bounced: number;
  complained: number;
  unsubscribed: number;
  /** How long it took, in seconds (null while it runs). */
  seconds: number | null;
  /** Messages sent a second (null while it runs, or when it took no time). */
  rate: number | null;
  /** complained / delivered (null when nothing was delivered). */
  complaintRate: number | null;
}

/** What the report shows: the list day by day and each dispatch of the period. */
export interface ReportData {
  /** The newsletter's name. */
  title: string;
  /** When it was made (ISO time) and the days it covers (YYYY-MM-DD, UTC, oldest first). */
  madeAt: string;
  days: string[];
  /** Subscribers by status at the end of each day of `days`. */
  subscribers: Record<SubscriberStatus, number>[];
  /** Each dispatch round started in the period, oldest first. */
  issues: IssueFigures[];
}

/** Where the report's figures come from: the list and the delivery ledger. */
export interface ReportSources {
  store: SubscriberStore;
  ledger: Pick<IssueLedger, 'rounds' | 'aftermath'>;
}

const DAY_MS = 86_400_000;

/** The figures of the last `days` days (today included), read from the list and the ledger. */
export async function collectReport(sources: ReportSources, options: { days: number; now: Date; title: string }): Promise<ReportData> {
  const today = Date.UTC(options.now.getUTCFullYear(), options.now.getUTCMonth(), options.now.getUTCDate());
  const days = Array.from({ length: options.days }, (_, i) => new Date(today - (options.days - 1 - i) * DAY_MS).toISOString().slice(0, 10));
  const rounds = await sources.ledger.rounds.since(`${days[0]}T00:00:00.000Z`);
  const after = await sources.ledger.aftermath(rounds);
  const issues = rounds.map((round, i): IssueFigures => {
    const { bounced, complained, unsubscribed } = after[i] as Aftermath;
    const seconds = round.finishedAt === null ? null : Math.max(0, (Date.parse(round.finishedAt) - Date.parse(round.startedAt)) / 1000);
    return {
      issue: round.issue,
      round: round.round,
      startedAt: round.startedAt,
      status: round.status,
      delivered: round.sent,
      failed: round.failed,
      bounced,
      complained,
      unsubscribed,
      seconds,
      rate: seconds !== null && seconds > 0 ? round.sent / seconds : null,
      complaintRate: round.sent > 0 ? complained / round.sent : null,
    };
  });
  return { title: options.title, madeAt: options.now.toISOString(), days, subscribers: await sources.store.statusByDay(days), issues };
}
