import type { Db } from '../db/index.ts';
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
export type LedgerChanges = (change: LedgerChange) => void;

/** The dispatch rounds of every issue and their deliveries (one row per issue, round and subscriber), kept in the database. */
export class Rounds {
  readonly #db: Db;
  readonly #now: () => Date;
  readonly #update;
  readonly #tell: LedgerChanges | undefined;

  /** `tell` hears of each round closed. */
  constructor(db: Db, now: () => Date = () => new Date(), tell?: LedgerChanges) {
    this.#db = db;
    this.#now = now;
    this.#tell = tell;
    this.#update = db.prepare(
      `UPDATE deliveries SET status = @status, message_id = @messageId, attempts = @attempts, last_reply = @reply, reason = @reason, updated_at = @now
       WHERE issue = @issue AND round = @round AND subscriber_id = @subscriberId`,
    );
  }

  /** The newest round of an issue, if it was ever dispatched. */
  latestRound(issue: string): Round | undefined {
    const row = this.#db.prepare<[string], RoundRow>('SELECT * FROM dispatches WHERE issue = ? ORDER BY round DESC LIMIT 1').get(issue);
    return row && toRound(row);
  }

  /** The most recent round of any issue. */
  lastRound(): Round | undefined {
    const row = this.#db.prepare<[], RoundRow>('SELECT * FROM dispatches ORDER BY started_at DESC, id DESC LIMIT 1').get();
    return row && toRound(row);
  }

  /** The most recent rounds of any issue, newest first. */
  recent(limit: number): Round[] {
    return this.#db
      .prepare<[number], RoundRow>('SELECT * FROM dispatches ORDER BY started_at DESC, id DESC LIMIT ?')
      .all(limit)
      .map(toRound);
  }

  /** The rounds started at or after a time, of any issue, oldest first. */
  since(from: string): Round[] {
    const rows = this.#db.prepare<[string], RoundRow>('SELECT * FROM dispatches WHERE started_at >= ? ORDER BY started_at, id').all(from);
    return rows.map(toRound);
  }

  /** Rounds that did not finish (stopped, or running), oldest first. */
  unfinished(): Round[] {
    return this.#db.prepare<[], RoundRow>("SELECT * FROM dispatches WHERE status != 'done' ORDER BY started_at, id").all().map(toRound);
  }

  /** When a round last moved: the newest change to any of its deliveries, or its start. */
  progressAt(issue: string, round: number): string {
    const row = this.#db
      .prepare<[{ issue: string; round: number }], { at: string }>(
        `SELECT max(started_at, coalesce((SELECT max(updated_at) FROM deliveries WHERE issue = @issue AND round = @round), '')) AS at
         FROM dispatches WHERE issue = @issue AND round = @round`,
      )
      .get({ issue, round });
    return row?.at ?? '';
  }

  /** Deliveries of every issue and round, by status. */
  totals(): Tally {
    const tally: Tally = { queued: 0, sent: 0, skipped: 0, failed: 0, doubt: 0 };
    for (const row of this.#db
      .prepare<[], { status: DeliveryStatus; n: number }>('SELECT status, count(*) AS n FROM deliveries GROUP BY status')
      .all())
      tally[row.status] = row.n;
    return tally;
  }

  /** Every delivery to a subscriber, oldest first: what their data export shows. */
  deliveriesOf(subscriberId: number): { issue: string; round: number; status: DeliveryStatus; messageId: string; updatedAt: string }[] {
    return this.#db
      .prepare<[number], { issue: string; round: number; status: DeliveryStatus; message_id: string; updated_at: string }>(
        'SELECT issue, round, status, message_id, updated_at FROM deliveries WHERE subscriber_id = ? ORDER BY updated_at, issue, round',
      )
      .all(subscriberId)
      .map((r) => ({ issue: r.issue, round: r.round, status: r.status, messageId: r.message_id, updatedAt: r.updated_at }));
  }

  /** Deliveries in doubt (the relay took them and never answered), by issue and round. */
  inDoubt(): { issue: string; round: number; count: number }[] {
    return this.#db
      .prepare<[], { issue: string; round: number; count: number }>(
        "SELECT issue, round, count(*) AS count FROM deliveries WHERE status = 'doubt' GROUP BY issue, round ORDER BY issue, round",
      )
      .all();
  }

  /** Everyone an issue of a cadence goes to (every confirmed subscriber of it), by id, one at a time. */
  *audience(cadence: Cadence): Generator<Recipient> {
    type Row = { id: number; email: string; topics: string; token_key: string };
    const rows = this.#db.prepare<{ cadence: Cadence }, Row>(`SELECT id, email, topics, token_key ${AUDIENCE} ORDER BY id`);
    for (const r of rows.iterate({ cadence })) {
      yield { id: r.id, email: r.email, topics: JSON.parse(r.topics) as string[], tokenKey: r.token_key };
    }
  }

  /** Starts (or resumes) a round and queues everyone of the cadence's audience not yet in it. */
  open(issue: string, round: number, cadence: Cadence): Round {
    const now = this.#now().toISOString();
    return this.#db.transaction(() => {
      const existing = this.#db
        .prepare<[string, number], RoundRow>('SELECT * FROM dispatches WHERE issue = ? AND round = ?')
        .get(issue, round);
      if (existing) this.#db.prepare("UPDATE dispatches SET status = 'running', finished_at = NULL WHERE id = ?").run(existing.id);
      else this.#db.prepare("INSERT INTO dispatches (issue, round, started_at, status) VALUES (?, ?, ?, 'running')").run(issue, round, now);
      this.#db
        .prepare(
          `INSERT OR IGNORE INTO deliveries (issue, round, subscriber_id, status, updated_at)
           SELECT @issue, @round, id, 'queued', @now ${AUDIENCE}`,
        )
        .run({ issue, round, now, cadence });
      return toRound(
        this.#db
          .prepare<[string, number], RoundRow>('SELECT * FROM dispatches WHERE issue = ? AND round = ?')
          .get(issue, round) as RoundRow,
      );
    })();
  }

  /**
   * The next queued deliveries after a subscriber id, in id order: a page at a time, never the whole
   * list. Those a relay refused before come apart (`refused`), so that they can be tried last.
   */
  queued(issue: string, round: number, afterId: number, limit: number, refused = false): QueuedDelivery[] {
    return this.#db
      .prepare<
        [string, number, number, string, string, number],
        { subscriber_id: number; email: string; status: SubscriberStatus; topics: string; token_key: string; attempts: number }
      >(
        `SELECT d.subscriber_id, s.email, s.status, s.topics, s.token_key, d.attempts FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
         WHERE d.issue = ? AND d.round = ? AND d.status = 'queued' AND d.subscriber_id > ?
           AND (d.reason = ? OR d.reason LIKE ?) = ${refused ? 1 : 0}
         ORDER BY d.subscriber_id LIMIT ?`,
      )
      .all(issue, round, afterId, REFUSED, `${REFUSED} (%`, limit)
      .map((r) => ({
        subscriberId: r.subscriber_id,
        email: r.email,
        status: r.status,
        topics: JSON.parse(r.topics) as string[],
        tokenKey: r.token_key,
        attempts: r.attempts,
      }));
  }

  /** Records what became of one delivery; `queued` keeps it for the next run, with the attempt counted. */
  record(
    issue: string,
    round: number,
    subscriberId: number,
    status: DeliveryStatus,
    detail: { messageId?: string; attempts: number; reply?: string; reason?: string },
  ): void {
    this.#update.run({
      issue,
      round,
      subscriberId,
      status,
      messageId: detail.messageId ?? '',
      attempts: detail.attempts,
      reply: detail.reply ?? '',
      reason: detail.reason ?? '',
      now: this.#now().toISOString(),
    });
  }

  /**
   * Leaves a delivery queued because the relay refused it for a reason that is not the recipient's
   * (policy, rate, content): the next run tries again; `refusals` reports it.
   */
  refuse(issue: string, round: number, subscriberId: number, detail: { attempts: number; reply: string; code: string | undefined }): void {
    const reason = detail.code ? `${REFUSED} (${detail.code})` : REFUSED;
    this.record(issue, round, subscriberId, 'queued', { attempts: detail.attempts, reply: detail.reply, reason });
  }

  /** The deliveries of a round left queued by a relay's refusal, by reason, most first, with the latest reply of each. */
  refusals(issue: string, round: number): Refusals[] {
    const groups = this.#db
      .prepare<[string, number, string, string], { reason: string; count: number }>(
        `SELECT reason, count(*) AS count FROM deliveries WHERE issue = ? AND round = ? AND status = 'queued' AND (reason = ? OR reason LIKE ?)
         GROUP BY reason ORDER BY count DESC, reason`,
      )
      .all(issue, round, REFUSED, `${REFUSED} (%`);
    const latest = this.#db.prepare<[string, number, string], { last_reply: string }>(
      "SELECT last_reply FROM deliveries WHERE issue = ? AND round = ? AND status = 'queued' AND reason = ? ORDER BY updated_at DESC LIMIT 1",
    );
    return groups.map((g) => ({
      code: g.reason === REFUSED ? null : g.reason.slice(REFUSED.length + 2, -1),
      count: g.count,
      reply: latest.get(issue, round, g.reason)?.last_reply ?? '',
    }));
  }

  /** Deliveries of a round by status. */
  tally(issue: string, round: number): Tally {
    const tally: Tally = { queued: 0, sent: 0, skipped: 0, failed: 0, doubt: 0 };
    for (const row of this.#db
      .prepare<[string, number], { status: DeliveryStatus; n: number }>(
        'SELECT status, count(*) AS n FROM deliveries WHERE issue = ? AND round = ? GROUP BY status',
      )
      .all(issue, round)) {
      tally[row.status] = row.n;
    }
    return tally;
  }

  /** One delivery's row, for tests and status. */
  delivery(
    issue: string,
    round: number,
    subscriberId: number,
  ): { status: DeliveryStatus; attempts: number; lastReply: string; reason: string; messageId: string } | undefined {
    const row = this.#db
      .prepare<
        [string, number, number],
        { status: DeliveryStatus; attempts: number; last_reply: string; reason: string; message_id: string }
      >('SELECT status, attempts, last_reply, reason, message_id FROM deliveries WHERE issue = ? AND round = ? AND subscriber_id = ?')
      .get(issue, round, subscriberId);
    return row && { status: row.status, attempts: row.attempts, lastReply: row.last_reply, reason: row.reason, messageId: row.message_id };
  }

  /** Closes a round: done when nothing is left queued, stopped otherwise. */
  close(id: number, tally: Tally, note: string): void {
    const status = tally.queued === 0 ? 'done' : 'stopped';
    this.#db.transaction(() => {
      this.#db
        .prepare('UPDATE dispatches SET status = ?, finished_at = ?, sent = ?, skipped = ?, failed = ?, note = ? WHERE id = ?')
        .run(status, this.#now().toISOString(), tally.sent, tally.skipped, tally.failed, note, id);
      const row = this.#db.prepare<[number], RoundRow>('SELECT * FROM dispatches WHERE id = ?').get(id);
      if (row) this.#tell?.({ type: 'round closed', round: toRound(row), queued: tally.queued, doubt: tally.doubt });
    })();
  }
}
