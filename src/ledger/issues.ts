import type { Db } from '../db/index.ts';

/** One issue as the operator follows it: its deliveries over every round, and what its readers did after. */
export interface IssueOutcome {
  issue: string;
  /** When it was published, and whether it was mailed; null while it never was. */
  publishedAt: string | null;
  mailed: boolean;
  rounds: number;
  sent: number;
  failed: number;
  doubt: number;
  queued: number;
  skipped: number;
  /** Bounce reports about its recipients, received after it and before their next message. */
  bounced: number;
  /** Spam complaints from its recipients, after it and before their next message. */
  complained: number;
  /** Its recipients who left after it and before their next message. */
  unsubscribed: number;
}

// An event of a subscriber counts for the last message sent to them before it: after that message,
// before the next attempt to send them one (whose own refusal is that issue's failure).
const OUTCOMES = `
WITH attempts AS (
  SELECT issue, subscriber_id, status, updated_at,
    LEAD(updated_at) OVER (PARTITION BY subscriber_id ORDER BY updated_at, issue, round) AS next_at
  FROM deliveries WHERE status IN ('sent', 'failed', 'doubt')
),
after AS (
  SELECT a.issue,
    sum(e.kind IN ('hard-bounce', 'soft-bounce')) AS bounced,
    sum(e.kind = 'complaint') AS complained,
    sum(e.kind = 'unsubscribed') AS unsubscribed
  FROM attempts a JOIN events e ON e.subscriber_id = a.subscriber_id AND e.at >= a.updated_at AND (a.next_at IS NULL OR e.at < a.next_at)
  WHERE a.status = 'sent' AND a.issue IN (SELECT issue FROM page)
  GROUP BY a.issue
),
tally AS (
  SELECT issue, sum(status = 'sent') AS sent, sum(status = 'failed') AS failed, sum(status = 'doubt') AS doubt,
    sum(status = 'queued') AS queued, sum(status = 'skipped') AS skipped
  FROM deliveries WHERE issue IN (SELECT issue FROM page) GROUP BY issue
),
rounds AS (SELECT issue, count(*) AS rounds FROM dispatches WHERE issue IN (SELECT issue FROM page) GROUP BY issue)
SELECT page.issue, p.published_at AS publishedAt, coalesce(p.mailed, 0) AS mailed, coalesce(r.rounds, 0) AS rounds,
  coalesce(t.sent, 0) AS sent, coalesce(t.failed, 0) AS failed, coalesce(t.doubt, 0) AS doubt, coalesce(t.queued, 0) AS queued,
  coalesce(t.skipped, 0) AS skipped, coalesce(a.bounced, 0) AS bounced, coalesce(a.complained, 0) AS complained,
  coalesce(a.unsubscribed, 0) AS unsubscribed
FROM page
LEFT JOIN publications p ON p.issue = page.issue
LEFT JOIN rounds r ON r.issue = page.issue
LEFT JOIN tally t ON t.issue = page.issue
LEFT JOIN after a ON a.issue = page.issue
ORDER BY page.at DESC`;

// Issues in the order of their days: a weekly issue (`week-<its last day>`) after that day's daily one.
const DAY_OF = (issue: string) => `CASE WHEN ${issue} LIKE 'week-%' THEN substr(${issue}, 6) || ' week' ELSE ${issue} END`;

const PAGE = `page AS (
  SELECT issue, ${DAY_OF('issue')} AS at FROM (SELECT issue FROM publications UNION SELECT issue FROM dispatches)
  WHERE ${DAY_OF('issue')} < ${DAY_OF('@before')} ORDER BY at DESC LIMIT @limit
)`;

/** The issues published or dispatched, newest first, `limit` of them before the issue `before` (any, when empty). */
export function issueOutcomes(db: Db, limit: number, before = ''): IssueOutcome[] {
  const sql = OUTCOMES.replace('WITH attempts AS', `WITH ${PAGE},\nattempts AS`);
  const rows = db
    .prepare<[{ limit: number; before: string }], Omit<IssueOutcome, 'mailed'> & { mailed: number }>(sql)
    .all({ limit, before: before || '\uffff' });
  return rows.map((row) => ({ ...row, mailed: row.mailed === 1 }));
}
