import { nowMsOf, type Sql } from '../db/index.ts';
import { REFUSAL, refusedBy, toQueued, type QueuedDelivery, type QueuedRow, type Tally } from './rounds.ts';

/**
 * A not-before time past any real one: a delivery set aside for the rest of a round's run (the relay
 * refused it, or it kept failing for now). Opening the round again brings it back.
 */
export const SET_ASIDE = 8_000_000_000_000_000;

/**
 * A not-before time past any real one, below `SET_ASIDE`: a delivery the relay refused in an earlier
 * run of its round, tried once nothing else can be (`bringBackLast`), so that a relay that refuses
 * some of the list does not keep the rest from being tried.
 */
export const TRIED_LAST = SET_ASIDE - 1;

/** A round that is being sent, as a sender looks for work. */
export interface RunningRound {
  id: number;
  issue: string;
  round: number;
  /** When it was opened (ISO): the Date of its messages. */
  startedAt: string;
  fingerprint: string;
}

/** A live sender, as `status` shows it: what it holds of each running round. */
export interface SenderHolding {
  id: string;
  host: string;
  pid: number;
  startedAt: string;
  /** How long ago it last renewed its leases, in ms by the database's clock. */
  silentMs: number;
  leaseMs: number;
  /** Its lease ran out: it is paused or gone, and what it held goes back to the queue. */
  lapsed: boolean;
  note: string;
  held: { issue: string; round: number; count: number }[];
}

/** What is left of a round's queue, by what stands in the way of sending it now. */
export interface QueueLeft {
  /** Held by a sender whose lease has not run out. */
  held: number;
  /** Waiting for their not-before time. */
  waiting: number;
  /** Refused by the relay in an earlier run: tried once nothing else can be. */
  last: number;
  /** Set aside for the rest of the run. */
  aside: number;
  /** Queued in all. */
  queued: number;
}

type ClaimedRow = QueuedRow & { bounces: number };

/**
 * Who holds which delivery, and until when: the leases of several senders over one ledger. A
 * delivery is claimed by one statement; a lease is renewed only while it has not run out (someone
 * else may have it since); outcomes are written by `Rounds`, and what returns a delivery to the
 * queue is written here, only by the sender still holding it. On PostgreSQL every time is the
 * server's clock, so senders on several machines agree on it.
 */
export class Claims {
  readonly #sql: Sql;
  readonly #now: () => Date;

  constructor(sql: Sql, now: () => Date = () => new Date()) {
    this.#sql = sql;
    this.#now = now;
  }

  // The database's time in epoch ms (`@nowMs` on SQLite: given by `#params`).
  get #nowMs(): string {
    return nowMsOf(this.#sql);
  }

  #params<T extends Record<string, string | number | null>>(params: T): T & { nowMs: number } {
    return { ...params, nowMs: Date.now() };
  }

  // The statement that claims, written once (the same text each time is found at once among those prepared).
  #claimText: string | undefined;
  get #claiming(): string {
    if (this.#claimText !== undefined) return this.#claimText;
    const now = this.#nowMs;
    const free = `status = 'queued' AND subscriber_id > @after AND lease_until < ${now} AND not_before <= ${now}`;
    this.#claimText =
      this.#sql.dialect === 'postgres'
        ? `WITH claimed AS (
             UPDATE deliveries d SET lease_owner = @owner, lease_until = ${now} + @leaseMs
             FROM (SELECT issue, round, subscriber_id FROM deliveries WHERE issue = @issue AND round = @round AND ${free}
                   ORDER BY subscriber_id LIMIT @limit FOR UPDATE SKIP LOCKED) c
             WHERE d.issue = c.issue AND d.round = c.round AND d.subscriber_id = c.subscriber_id
             RETURNING d.subscriber_id, d.attempts)
           SELECT c.subscriber_id, s.email, s.status, s.topics, s.token_key, c.attempts, s.hard_bounces + s.soft_bounces AS bounces
           FROM claimed c JOIN subscribers s ON s.id = c.subscriber_id ORDER BY c.subscriber_id`
        : // Through the queued deliveries' index: the table's key would walk past every delivery already sent.
          `UPDATE deliveries SET lease_owner = @owner, lease_until = ${now} + @leaseMs
           WHERE issue = @issue AND round = @round AND subscriber_id IN (
             SELECT subscriber_id FROM deliveries INDEXED BY deliveries_by_status
             WHERE issue = @issue AND round = @round AND ${free} ORDER BY subscriber_id LIMIT @limit)
           RETURNING subscriber_id, attempts`;
    return this.#claimText;
  }

  /**
   * Takes up to `limit` queued deliveries of a round that nobody holds and that may be tried now, for
   * `leaseMs`, the first after subscriber `after` in id order (a sender goes on from where it was, and
   * starts again from 0 once nothing is left after it).
   */
  async claim(issue: string, round: number, owner: string, limit: number, leaseMs: number, after = 0): Promise<QueuedDelivery[]> {
    const params = this.#params({ issue, round, owner, limit, leaseMs, after });
    let rows: ClaimedRow[];
    if (this.#sql.dialect === 'postgres') rows = await this.#sql.all<ClaimedRow>(this.#claiming, params);
    else {
      // One statement claims, one reads the subscribers: no transaction, which would make every other
      // statement of the process follow it; the ids go as one JSON parameter, so that the statement's
      // text, prepared once, stays the same.
      const taken = await this.#sql.all<{ subscriber_id: number; attempts: number }>(this.#claiming, params);
      if (taken.length === 0) return [];
      const people = await this.#sql.all<Omit<ClaimedRow, 'attempts'>>(
        `SELECT id AS subscriber_id, email, status, topics, token_key, hard_bounces + soft_bounces AS bounces FROM subscribers
         WHERE id IN (SELECT value FROM json_each(@ids))`,
        { ids: JSON.stringify(taken.map((t) => t.subscriber_id)) },
      );
      const byId = new Map(people.map((p) => [p.subscriber_id, p]));
      rows = taken
        .sort((a, b) => a.subscriber_id - b.subscriber_id)
        .flatMap((t) => {
          const person = byId.get(t.subscriber_id);
          return person === undefined ? [] : [{ ...person, attempts: t.attempts }];
        });
    }
    return rows.map((r) => ({ ...toQueued(r), bounces: r.bounces }));
  }

  /**
   * Renews the leases of `owner` that have not run out (one that did may be someone else's now), and
   * says the sender is alive; returns how many deliveries it still holds.
   */
  async renew(owner: string, leaseMs: number): Promise<number> {
    const now = this.#nowMs;
    const params = this.#params({ owner, leaseMs });
    const { changes } = await this.#sql.run(
      `UPDATE deliveries SET lease_until = ${now} + @leaseMs WHERE lease_owner = @owner AND status = 'queued' AND lease_until >= ${now}`,
      params,
    );
    await this.#sql.run(`UPDATE senders SET heartbeat_at = ${now} WHERE id = @owner`, params);
    return changes;
  }

  /** Puts a delivery its sender still holds back in the queue, to be tried again after `delayMs` (or set aside), with the attempt counted. */
  async putBack(
    issue: string,
    round: number,
    subscriberId: number,
    owner: string,
    detail: { attempts: number; reply: string; reason?: string; delayMs: number | 'aside' },
  ): Promise<boolean> {
    const now = this.#nowMs;
    const notBefore = detail.delayMs === 'aside' ? '@aside' : `${now} + @delayMs`;
    const { changes } = await this.#sql.run(
      `UPDATE deliveries SET attempts = @attempts, last_reply = @reply, reason = @reason, updated_at = @stamp,
         lease_owner = '', lease_until = 0, not_before = ${notBefore}
       WHERE issue = @issue AND round = @round AND subscriber_id = @subscriberId AND lease_owner = @owner AND status = 'queued'`,
      this.#params({
        issue,
        round,
        subscriberId,
        owner,
        attempts: detail.attempts,
        reply: detail.reply,
        reason: detail.reason ?? '',
        stamp: this.#now().toISOString(),
        delayMs: detail.delayMs === 'aside' ? 0 : detail.delayMs,
        aside: SET_ASIDE,
      }),
    );
    return changes > 0;
  }

  /** Gives back every delivery `owner` holds, untouched: another sender may take them at once. */
  async release(owner: string): Promise<number> {
    const { changes } = await this.#sql.run(
      "UPDATE deliveries SET lease_owner = '', lease_until = 0 WHERE lease_owner = @owner AND status = 'queued'",
      { owner },
    );
    return changes;
  }

  /** Gives back deliveries `owner` claimed and did not start (if it still holds them): another sender may take them at once. */
  async giveBack(issue: string, round: number, owner: string, subscriberIds: readonly number[]): Promise<void> {
    if (subscriberIds.length === 0) return;
    await this.#sql.run(
      `UPDATE deliveries SET lease_owner = '', lease_until = 0
       WHERE issue = @issue AND round = @round AND lease_owner = @owner AND status = 'queued'
         AND subscriber_id IN (${subscriberIds.map((id) => Math.trunc(id)).join(', ')})`,
      { issue, round, owner },
    );
  }

  /**
   * Brings back the deliveries of a round set aside or waiting, when the round is opened again: those
   * the relay refused are tried last. With `leases`, also takes back every delivery of the round held
   * by anyone: only a sole sender may (on SQLite the dispatch lock's holder, whose predecessor is gone).
   */
  async bringBack(issue: string, round: number, options: { leases?: boolean } = {}): Promise<void> {
    const leases = options.leases === true ? ", lease_owner = '', lease_until = 0" : '';
    await this.#sql.run(
      `UPDATE deliveries SET not_before = CASE WHEN ${refusedBy('reason')} THEN CAST(@last AS BIGINT) ELSE 0 END${leases}
       WHERE issue = @issue AND round = @round AND status = 'queued'
         AND (not_before > 0 OR ${refusedBy('reason')}${leases === '' ? '' : " OR lease_owner <> ''"})`,
      { issue, round, last: TRIED_LAST, ...REFUSAL },
    );
  }

  /** Brings back the deliveries of a round kept to be tried last (`TRIED_LAST`): nothing else of it can be claimed now. */
  async bringBackLast(issue: string, round: number): Promise<number> {
    const { changes } = await this.#sql.run(
      "UPDATE deliveries SET not_before = 0 WHERE issue = @issue AND round = @round AND status = 'queued' AND not_before = @last",
      { issue, round, last: TRIED_LAST },
    );
    return changes;
  }

  /** What stands in the way of sending the rest of a round's queue now. */
  async left(issue: string, round: number): Promise<QueueLeft> {
    const now = this.#nowMs;
    const row = await this.#sql.get<QueueLeft>(
      `SELECT count(*) FILTER (WHERE lease_until >= ${now}) AS "held",
              count(*) FILTER (WHERE lease_until < ${now} AND not_before > ${now} AND not_before < @last) AS "waiting",
              count(*) FILTER (WHERE lease_until < ${now} AND not_before = @last) AS "last",
              count(*) FILTER (WHERE not_before >= @aside) AS "aside",
              count(*) AS "queued"
       FROM deliveries WHERE issue = @issue AND round = @round AND status = 'queued'`,
      this.#params({ issue, round, aside: SET_ASIDE, last: TRIED_LAST }),
    );
    return {
      held: row?.held ?? 0,
      waiting: row?.waiting ?? 0,
      last: row?.last ?? 0,
      aside: row?.aside ?? 0,
      queued: row?.queued ?? 0,
    };
  }

  /** The rounds being sent, oldest first. */
  async running(): Promise<RunningRound[]> {
    return this.#sql.all<RunningRound>(
      'SELECT id, issue, round, started_at AS "startedAt", fingerprint FROM dispatches WHERE status = \'running\' ORDER BY started_at, id',
    );
  }

  /** Whether a round is still being sent ('running'), ended ('done') or was stopped. */
  async statusOf(id: number): Promise<string | undefined> {
    return (await this.#sql.get<{ status: string }>('SELECT status FROM dispatches WHERE id = @id', { id }))?.status;
  }

  /** Records what shapes a round's message, when it is opened. */
  async stamp(id: number, fingerprint: string): Promise<void> {
    await this.#sql.run('UPDATE dispatches SET fingerprint = @fingerprint WHERE id = @id', { id, fingerprint });
  }

  /**
   * Stops a round for every sender (a relay fault seen by one of them): the first to stop it writes
   * why; returns whether this call did.
   */
  async stop(id: number, tally: Tally, note: string): Promise<boolean> {
    const { changes } = await this.#sql.run(
      `UPDATE dispatches SET status = 'stopped', finished_at = @stamp, sent = @sent, skipped = @skipped, failed = @failed, note = @note
       WHERE id = @id AND status = 'running'`,
      { id, stamp: this.#now().toISOString(), sent: tally.sent, skipped: tally.skipped, failed: tally.failed, note },
    );
    return changes > 0;
  }

  /** Says a sender is alive, with what it is and holds; `note` says why it leaves a round alone, if it does. */
  async register(sender: { id: string; host: string; pid: number; leaseMs: number; fingerprint?: string }): Promise<void> {
    await this.#sql.run(
      `INSERT INTO senders (id, host, pid, started_at, heartbeat_at, lease_ms, fingerprint, note)
       VALUES (@id, @host, @pid, @stamp, ${this.#nowMs}, @leaseMs, @fingerprint, '')
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at`,
      this.#params({ ...sender, fingerprint: sender.fingerprint ?? '', stamp: this.#now().toISOString() }),
    );
  }

  /** Why a sender leaves some round alone ('' when it leaves none). */
  async note(id: string, note: string): Promise<void> {
    await this.#sql.run('UPDATE senders SET note = @note WHERE id = @id', { id, note });
  }

  /** A sender that stops: it is no longer shown, and what it held is given back. */
  async unregister(id: string): Promise<void> {
    await this.release(id);
    await this.#sql.run('DELETE FROM senders WHERE id = @id', { id });
  }

  /** The senders seen alive in the last `withinMs`, and those whose lease ran out, with what each holds of running rounds. */
  async senders(withinMs = 3_600_000): Promise<SenderHolding[]> {
    const now = this.#nowMs;
    const rows = await this.#sql.all<{
      id: string;
      host: string;
      pid: number;
      started_at: string;
      silent_ms: number;
      lease_ms: number;
      note: string;
    }>(
      `SELECT id, host, pid, started_at, ${now} - heartbeat_at AS silent_ms, lease_ms, note FROM senders
       WHERE heartbeat_at > ${now} - @withinMs ORDER BY started_at, id`,
      this.#params({ withinMs }),
    );
    const held = await this.#sql.all<{ owner: string; issue: string; round: number; count: number }>(
      `SELECT d.lease_owner AS owner, d.issue, d.round, count(*) AS count FROM deliveries d
       JOIN dispatches r ON r.issue = d.issue AND r.round = d.round AND r.status = 'running'
       WHERE d.lease_owner <> '' AND d.status = 'queued' GROUP BY d.lease_owner, d.issue, d.round ORDER BY d.issue, d.round`,
    );
    return rows.map((r) => ({
      id: r.id,
      host: r.host,
      pid: r.pid,
      startedAt: r.started_at,
      silentMs: r.silent_ms,
      leaseMs: r.lease_ms,
      lapsed: r.silent_ms > r.lease_ms,
      note: r.note,
      held: held.filter((h) => h.owner === r.id).map((h) => ({ issue: h.issue, round: h.round, count: h.count })),
    }));
  }
}
