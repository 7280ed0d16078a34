import type { Sql } from '../db/index.ts';
import type { Cadence, SubscriberStatus } from '../subscribers/index.ts';

/** The state of one delivery. */
export type DeliveryStatus = 'queued' | 'sent' | 'skipped' | 'failed' | 'doubt';

/** A queued delivery with what sending it needs to know of the subscriber. */
export interface QueuedDelivery {
  subscriberId: number;
  email: string;
  status: SubscriberStatus;
  topics: string[];
  tokenKey: string;
  attempts: number;
  /** Bounces counted against them so far (hard and soft), when the reader knows: a delivery clears them. */
  bounces?: number;
}

/** One dispatch of one issue: a round is 0, or counts up with each forced re-send. */
export interface Round {
  id: number;
  issue: string;
  round: number;
  status: 'running' | 'done' | 'stopped';
  startedAt: string;
  finishedAt: string | null;
  sent: number;
  skipped: number;
  failed: number;
  note: string;
}

/** Deliveries of a round the relay refused for one reason: its enhanced status code, if it gave one. */
export interface Refusals {
  /** The enhanced status code of the replies, such as `5.7.1`; null for replies without one. */
  code: string | null;
  count: number;
  /** The latest reply given for it. */
  reply: string;
}

// The reason a refused delivery is left queued with: the one spelling of it, written and read here.
const REFUSED = 'refused by the relay';

/** The reason a delivery the relay refused is left queued with, with the reply's enhanced status code when it gave one. */
export function refusedReason(code: string | undefined): string {
  return code ? `${REFUSED} (${code})` : REFUSED;
}
/**
 * Whether a delivery's reason says the relay refused it, with a code or without, compared byte for
 * byte on both stores (SQLite's LIKE ignores case, PostgreSQL's does not); its values are `REFUSAL`'s.
 */
export const refusedBy = (reason: string) => `(${reason} = @refused OR substr(${reason}, 1, @codeAt) = @refusedWithCode)`;
/** The parameters of `refusedBy`. */
export const REFUSAL = { refused: REFUSED, refusedWithCode: `${REFUSED} (`, codeAt: REFUSED.length + 2 };

/** What is recorded of a delivery's outcome besides its status. */
export interface OutcomeDetail {
  messageId?: string;
  attempts: number;
  reply?: string;
  reason?: string;
}

/** What became of one delivery, as it is recorded. */
export interface Outcome extends OutcomeDetail {
  subscriberId: number;
  status: DeliveryStatus;
}

/** Deliveries by status. */
export type Tally = Record<DeliveryStatus, number>;

interface RoundRow {
  id: number;
  issue: string;
  round: number;
  status: Round['status'];
  started_at: string;
  finished_at: string | null;
  sent: number;
  skipped: number;
  failed: number;
  note: string;
}

const toRound = (r: RoundRow): Round => ({
  id: r.id,
  issue: r.issue,
  round: r.round,
  status: r.status,
  startedAt: r.started_at,
  finishedAt: r.finished_at,
  sent: r.sent,
  skipped: r.skipped,
  failed: r.failed,
  note: r.note,
});

/** A queued delivery as the queue reads it: its row joined with its subscriber's. */
export interface QueuedRow {
  subscriber_id: number;
  email: string;
  status: SubscriberStatus;
  topics: string;
  token_key: string;
  attempts: number;
}

/** What sending a queued delivery needs, from its row. */
export const toQueued = (r: QueuedRow): QueuedDelivery => ({
  subscriberId: r.subscriber_id,
  email: r.email,
  status: r.status,
  topics: JSON.parse(r.topics) as string[],
  tokenKey: r.token_key,
  attempts: r.attempts,
});

/** A subscriber as an issue's audience sees them: what their copy is made from. */
export interface Recipient {
  id: number;
  email: string;
  topics: string[];
  tokenKey: string;
}

// Who an issue of a cadence goes to: the one definition, for the queue of a dispatch and for a dry run.
const AUDIENCE = "FROM subscribers WHERE status = 'confirmed' AND cadence = @cadence";

/** A round that came to an end, or an issue published: told inside the transaction that records it. */
export type LedgerChange =
  | { type: 'round closed'; round: Round; queued: number; doubt: number }
  | { type: 'published'; publication: { issue: string; publishedAt: string; mailed: boolean; note: string } };

/** Hears of each change to the ledger the outside may be told of, inside its transaction. */
export type LedgerChanges = (change: LedgerChange) => Promise<void>;

// How many of an audience are read at a time.
const AUDIENCE_PAGE = 500;

/** The dispatch rounds of every issue and their deliveries (one row per issue, round and subscriber), kept in the database. */
export class Rounds {
  readonly #sql: Sql;
  readonly #now: () => Date;
  readonly #tell: LedgerChanges | undefined;

  /** `tell` hears of each round closed. */
  constructor(sql: Sql, now: () => Date = () => new Date(), tell?: LedgerChanges) {
    this.#sql = sql;
    this.#now = now;
    this.#tell = tell;
  }

  /** The newest round of an issue, if it was ever dispatched. */
  async latestRound(issue: string): Promise<Round | undefined> {
    const row = await this.#sql.get<RoundRow>('SELECT * FROM dispatches WHERE issue = @issue ORDER BY round DESC LIMIT 1', { issue });
    return row && toRound(row);
  }

  /** The most recent round of any issue. */
  async lastRound(): Promise<Round | undefined> {
    const row = await this.#sql.get<RoundRow>('SELECT * FROM dispatches ORDER BY started_at DESC, id DESC LIMIT 1');
    return row && toRound(row);
  }

  /** The most recent rounds of any issue, newest first. */
  async recent(limit: number): Promise<Round[]> {
    const rows = await this.#sql.all<RoundRow>('SELECT * FROM dispatches ORDER BY started_at DESC, id DESC LIMIT @limit', { limit });
    return rows.map(toRound);
  }

  /** The rounds started at or after a time, of any issue, oldest first. */
  async since(from: string): Promise<Round[]> {
    const rows = await this.#sql.all<RoundRow>('SELECT * FROM dispatches WHERE started_at >= @from ORDER BY started_at, id', { from });
    return rows.map(toRound);
  }

  /** Rounds that did not finish (stopped, or running), oldest first. */
  async unfinished(): Promise<Round[]> {
    return (await this.#sql.all<RoundRow>("SELECT * FROM dispatches WHERE status != 'done' ORDER BY started_at, id")).map(toRound);
  }

  /** When a round last moved: the newest change to any of its deliveries, or its start. */
  async progressAt(issue: string, round: number): Promise<string> {
    const row = await this.#sql.get<{ started_at: string; updated_at: string | null }>(
      `SELECT started_at, (SELECT max(updated_at) FROM deliveries WHERE issue = @issue AND round = @round) AS updated_at
       FROM dispatches WHERE issue = @issue AND round = @round`,
      { issue, round },
    );
    if (row === undefined) return '';
    return row.updated_at !== null && row.updated_at > row.started_at ? row.updated_at : row.started_at;
  }

  /** Deliveries of every issue and round, by status. */
  async totals(): Promise<Tally> {
    const tally: Tally = { queued: 0, sent: 0, skipped: 0, failed: 0, doubt: 0 };
    const rows = await this.#sql.all<{ status: DeliveryStatus; n: number }>('SELECT status, count(*) AS n FROM deliveries GROUP BY status');
    for (const row of rows) tally[row.status] = row.n;
    return tally;
  }

  /** Every delivery to a subscriber, oldest first: what their data export shows. */
  async deliveriesOf(
    subscriberId: number,
  ): Promise<{ issue: string; round: number; status: DeliveryStatus; messageId: string; updatedAt: string }[]> {
    const rows = await this.#sql.all<{ issue: string; round: number; status: DeliveryStatus; message_id: string; updated_at: string }>(
      'SELECT issue, round, status, message_id, updated_at FROM deliveries WHERE subscriber_id = @subscriberId ORDER BY updated_at, issue, round',
      { subscriberId },
    );
    return rows.map((r) => ({ issue: r.issue, round: r.round, status: r.status, messageId: r.message_id, updatedAt: r.updated_at }));
  }

  /** Deliveries in doubt (the relay took them and never answered), by issue and round. */
  async inDoubt(): Promise<{ issue: string; round: number; count: number }[]> {
    return this.#sql.all(
      "SELECT issue, round, count(*) AS count FROM deliveries WHERE status = 'doubt' GROUP BY issue, round ORDER BY issue, round",
    );
  }

  /** Everyone an issue of a cadence goes to (every confirmed subscriber of it), by id, a page at a time. */
  async *audience(cadence: Cadence): AsyncGenerator<Recipient> {
    type Row = { id: number; email: string; topics: string; token_key: string };
    for (let after = 0; ; ) {
      const rows = await this.#sql.all<Row>(`SELECT id, email, topics, token_key ${AUDIENCE} AND id > @after ORDER BY id LIMIT @limit`, {
        cadence,
        after,
        limit: AUDIENCE_PAGE,
      });
      for (const r of rows) yield { id: r.id, email: r.email, topics: JSON.parse(r.topics) as string[], tokenKey: r.token_key };
      const last = rows.at(-1);
      if (last === undefined || rows.length < AUDIENCE_PAGE) return;
      after = last.id;
    }
  }

  /** Starts (or resumes) a round and queues everyone of the cadence's audience not yet in it. */
  async open(issue: string, round: number, cadence: Cadence): Promise<Round> {
    const now = this.#now().toISOString();
    return this.#sql.transaction(async () => {
      const key = { issue, round };
      const existing = await this.#sql.get<RoundRow>('SELECT * FROM dispatches WHERE issue = @issue AND round = @round', key);
      if (existing) await this.#sql.run("UPDATE dispatches SET status = 'running', finished_at = NULL WHERE id = @id", { id: existing.id });
      else
        await this.#sql.run("INSERT INTO dispatches (issue, round, started_at, status) VALUES (@issue, @round, @now, 'running')", {
          ...key,
          now,
        });
      await this.#sql.run(
        `INSERT INTO deliveries (issue, round, subscriber_id, status, updated_at)
         SELECT @issue, @round, id, 'queued', @now ${AUDIENCE}
         ON CONFLICT DO NOTHING`,
        { ...key, now, cadence },
      );
      return toRound((await this.#sql.get<RoundRow>('SELECT * FROM dispatches WHERE issue = @issue AND round = @round', key)) as RoundRow);
    });
  }

  /** Records what became of one delivery; `queued` keeps it for the next run, with the attempt counted. */
  async record(issue: string, round: number, subscriberId: number, status: DeliveryStatus, detail: OutcomeDetail): Promise<void> {
    await this.#write(issue, round, { subscriberId, status, ...detail }, this.#now().toISOString());
  }

  /**
   * Records what became of several deliveries of a round, in one transaction: on SQLite, committing
   * (writing the pages changed to the log) costs more than the statements it commits.
   */
  async recordAll(issue: string, round: number, outcomes: readonly Outcome[]): Promise<void> {
    const now = this.#now().toISOString();
    await this.#sql.transaction(async () => {
      for (const outcome of outcomes) await this.#write(issue, round, outcome, now);
    });
  }

  async #write(issue: string, round: number, outcome: Outcome, now: string): Promise<void> {
    await this.#sql.run(
      `UPDATE deliveries SET status = @status, message_id = @messageId, attempts = @attempts, last_reply = @reply, reason = @reason, updated_at = @now,
         lease_owner = '', lease_until = 0
       WHERE issue = @issue AND round = @round AND subscriber_id = @subscriberId`,
      {
        issue,
        round,
        subscriberId: outcome.subscriberId,
        status: outcome.status,
        messageId: outcome.messageId ?? '',
        attempts: outcome.attempts,
        reply: outcome.reply ?? '',
        reason: outcome.reason ?? '',
        now,
      },
    );
  }

  /** The deliveries of a round left queued by a relay's refusal, by reason, most first, with the latest reply of each. */
  async refusals(issue: string, round: number): Promise<Refusals[]> {
    const groups = await this.#sql.all<{ reason: string; count: number }>(
      `SELECT reason, count(*) AS count FROM deliveries
       WHERE issue = @issue AND round = @round AND status = 'queued' AND ${refusedBy('reason')}
       GROUP BY reason ORDER BY count DESC, reason`,
      { issue, round, ...REFUSAL },
    );
    const latest = (reason: string) =>
      this.#sql.get<{ last_reply: string }>(
        `SELECT last_reply FROM deliveries WHERE issue = @issue AND round = @round AND status = 'queued' AND reason = @reason
         ORDER BY updated_at DESC, subscriber_id DESC LIMIT 1`,
        { issue, round, reason },
      );
    const refusals: Refusals[] = [];
    for (const g of groups) {
      refusals.push({
        code: g.reason === REFUSED ? null : g.reason.slice(REFUSED.length + 2, -1),
        count: g.count,
        reply: (await latest(g.reason))?.last_reply ?? '',
      });
    }
    return refusals;
  }

  /** Deliveries of a round by status. */
  async tally(issue: string, round: number): Promise<Tally> {
    const tally: Tally = { queued: 0, sent: 0, skipped: 0, failed: 0, doubt: 0 };
    const rows = await this.#sql.all<{ status: DeliveryStatus; n: number }>(
      'SELECT status, count(*) AS n FROM deliveries WHERE issue = @issue AND round = @round GROUP BY status',
      { issue, round },
    );
    for (const row of rows) tally[row.status] = row.n;
    return tally;
  }

  /** One delivery's row, for tests and status. */
  async delivery(
    issue: string,
    round: number,
    subscriberId: number,
  ): Promise<{ status: DeliveryStatus; attempts: number; lastReply: string; reason: string; messageId: string } | undefined> {
    const row = await this.#sql.get<{ status: DeliveryStatus; attempts: number; last_reply: string; reason: string; message_id: string }>(
      `SELECT status, attempts, last_reply, reason, message_id FROM deliveries
       WHERE issue = @issue AND round = @round AND subscriber_id = @subscriberId`,
      { issue, round, subscriberId },
    );
    return row && { status: row.status, attempts: row.attempts, lastReply: row.last_reply, reason: row.reason, messageId: row.message_id };
  }

  /** Closes a round: done when nothing is left queued, stopped otherwise. */
  async close(id: number, tally: Tally, note: string): Promise<void> {
    await this.#close(id, tally, note, false);
  }

  /**
   * Closes a round that is still running and `ended` (checked in the same transaction), once: whoever
   * sees it end calls this (several senders may); returns whether this call closed it.
   */
  async closeRunning(
    id: number,
    ended: () => Promise<boolean>,
    tally: () => Promise<Tally>,
    note: (tally: Tally) => string | Promise<string>,
  ): Promise<boolean> {
    return this.#sql.transaction(async () => {
      if (!(await ended())) return false;
      const counted = await tally();
      return this.#close(id, counted, await note(counted), true);
    });
  }

  async #close(id: number, tally: Tally, note: string, onlyRunning: boolean): Promise<boolean> {
    const status = tally.queued === 0 ? 'done' : 'stopped';
    return this.#sql.transaction(async () => {
      const { changes } = await this.#sql.run(
        `UPDATE dispatches SET status = @status, finished_at = @now, sent = @sent, skipped = @skipped, failed = @failed, note = @note
         WHERE id = @id${onlyRunning ? " AND status = 'running'" : ''}`,
        { status, now: this.#now().toISOString(), sent: tally.sent, skipped: tally.skipped, failed: tally.failed, note, id },
      );
      if (changes === 0) return false;
      const row = await this.#sql.get<RoundRow>('SELECT * FROM dispatches WHERE id = @id', { id });
      if (row) await this.#tell?.({ type: 'round closed', round: toRound(row), queued: tally.queued, doubt: tally.doubt });
      return true;
    });
  }
}
