import type { Sql } from '../db/index.ts';
import { CAME_BACK, CAME_BACK_SUMS } from './aftermath.ts';

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

// What came back counts for the last message sent to each reader before it (the ledger's one rule, CAME_BACK).
const OUTCOMES = `
WITH ${CAME_BACK},
after AS (SELECT issue, ${CAME_BACK_SUMS} FROM came_back WHERE issue IN (SELECT issue FROM page) GROUP BY issue),
tally AS (
  SELECT issue, count(*) FILTER (WHERE status = 'sent') AS sent, count(*) FILTER (WHERE status = 'failed') AS failed,
    count(*) FILTER (WHERE status = 'doubt') AS doubt, count(*) FILTER (WHERE status = 'queued') AS queued,
    count(*) FILTER (WHERE status = 'skipped') AS skipped
  FROM deliveries WHERE issue IN (SELECT issue FROM page) GROUP BY issue
),
rounds AS (SELECT issue, count(*) AS rounds FROM dispatches WHERE issue IN (SELECT issue FROM page) GROUP BY issue)
SELECT page.issue, p.published_at AS "publishedAt", coalesce(p.mailed, 0) AS mailed, coalesce(r.rounds, 0) AS rounds,
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
// (Compared byte for byte on both stores: SQLite's LIKE would ignore case.)
const DAY_OF = (issue: string) => `CASE WHEN substr(${issue}, 1, 5) = 'week-' THEN substr(${issue}, 6) || ' week' ELSE ${issue} END`;

const PAGE = `page AS (
  SELECT issue, ${DAY_OF('issue')} AS at FROM (SELECT issue FROM publications UNION SELECT issue FROM dispatches) AS issues
  WHERE ${DAY_OF('issue')} < ${DAY_OF('@before')} ORDER BY at DESC LIMIT @limit
)`;

/** The issues published or dispatched, newest first, `limit` of them before the issue `before` (any, when empty). */
export async function issueOutcomes(sql: Sql, limit: number, before = ''): Promise<IssueOutcome[]> {
  const page = { limit, before: before || '\uffff' };
  // What came back is read from the first round of the page's oldest issue on.
  const first = await sql.get<{ since: string | null }>(
    `WITH ${PAGE} SELECT min(started_at) AS since FROM dispatches WHERE issue IN (SELECT issue FROM page)`,
    page,
  );
  const rows = await sql.all<Omit<IssueOutcome, 'mailed'> & { mailed: number }>(OUTCOMES.replace('WITH ', `WITH ${PAGE},\n`), {
    ...page,
    since: first?.since ?? '\uffff',
  });
  return rows.map((row) => ({ ...row, mailed: row.mailed === 1 }));
}
