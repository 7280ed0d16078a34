import type { Sql } from '../db/index.ts';

/** What came back after a message: bounce reports, spam complaints and readers who left. */
export interface Aftermath {
  bounced: number;
  complained: number;
  unsubscribed: number;
}

/** A dispatch round, as what came back is asked for: its issue, its number and when it started. */
export interface RoundKey {
  issue: string;
  round: number;
  startedAt: string;
}

/**
 * The one rule for what came back after which message, as a CTE `came_back (issue, round, kind)`: an
 * event of a subscriber counts for the last message sent to them before it, in that message's round;
 * it counts for none when their last attempt before it failed or is in doubt (that refusal is its
 * issue's failure). Only events and attempts from `@since` on are read: a caller asks about rounds
 * started then or later, and a message is never sent before its round started.
 */
export const CAME_BACK = `
came_back_events AS (
  SELECT subscriber_id, at, kind FROM events
  WHERE kind IN ('hard-bounce', 'soft-bounce', 'complaint', 'unsubscribed') AND at >= @since
),
came_back_attempts AS (
  SELECT issue, round, subscriber_id, status, updated_at,
    LEAD(updated_at) OVER (PARTITION BY subscriber_id ORDER BY updated_at, issue, round) AS next_at
  FROM deliveries
  WHERE subscriber_id IN (SELECT subscriber_id FROM came_back_events) AND updated_at >= @since
    AND status IN ('sent', 'failed', 'doubt')
),
came_back AS (
  SELECT a.issue, a.round, e.kind
  FROM came_back_attempts a
  JOIN came_back_events e ON e.subscriber_id = a.subscriber_id AND e.at >= a.updated_at AND (a.next_at IS NULL OR e.at < a.next_at)
  WHERE a.status = 'sent'
)`;

/** The sums of `came_back`'s rows, by the columns grouped on. */
export const CAME_BACK_SUMS = `count(*) FILTER (WHERE kind IN ('hard-bounce', 'soft-bounce')) AS bounced,
  count(*) FILTER (WHERE kind = 'complaint') AS complained, count(*) FILTER (WHERE kind = 'unsubscribed') AS unsubscribed`;

/** What came back after each of the rounds given, in their order: the ledger's one rule (`CAME_BACK`), round by round. */
export async function roundAftermath(sql: Sql, rounds: readonly RoundKey[]): Promise<Aftermath[]> {
  if (rounds.length === 0) return [];
  const since = rounds.map((r) => r.startedAt).sort()[0] ?? '';
  const rows = await sql.all<Aftermath & { issue: string; round: number }>(
    `WITH ${CAME_BACK} SELECT issue, round, ${CAME_BACK_SUMS} FROM came_back GROUP BY issue, round`,
    { since },
  );
  const found = new Map(rows.map((r) => [`${r.round} ${r.issue}`, r]));
  return rounds.map((r) => {
    const row = found.get(`${r.round} ${r.issue}`);
    return { bounced: row?.bounced ?? 0, complained: row?.complained ?? 0, unsubscribed: row?.unsubscribed ?? 0 };
  });
}
