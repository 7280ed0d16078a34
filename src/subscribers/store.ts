import { PaperboyError } from '../errors.ts';
import { checkpoint, retryWhileBusy, type Db } from '../db/index.ts';
import { addressKey, addressProblem, mailboxKey } from './email-address.ts';
import { newTokenKey } from './tokens.ts';

export type SubscriberStatus = 'pending' | 'confirmed' | 'unsubscribed' | 'bounced';
export type Cadence = 'daily' | 'weekly';
export const STATUSES: readonly SubscriberStatus[] = ['pending', 'confirmed', 'unsubscribed', 'bounced'];

/** One person on the list. */
export interface Subscriber {
  id: number;
  email: string;
  name: string;
  status: SubscriberStatus;
  /** The topics (tags) they want; empty means everything. */
  topics: string[];
  cadence: Cadence;
  source: string;
  createdAt: string;
  updatedAt: string;
  confirmedAt: string | null;
  unsubscribedAt: string | null;
  /** When they last left the list (unsubscribed, or marked bounced). */
  leftAt: string | null;
  hardBounces: number;
  softBounces: number;
  /** The key their tokens are signed with: theirs alone, never given to anyone else. */
  tokenKey: string;
}

/** A permanent delivery failure (`hard`), or a temporary one reported after the relay took the message (`soft`). */
export type BounceKind = 'hard' | 'soft';

// Where each kind is counted, and what marking a subscriber bounced by it says.
const BOUNCES = {
  hard: { column: 'hard_bounces', field: 'hardBounces', reason: (n: number) => `${n} hard bounces` },
  soft: { column: 'soft_bounces', field: 'softBounces', reason: (n: number) => `${n} temporary failures in a row` },
} as const;

/**
 * A change to a subscriber that the outside may be told of (webhooks): told inside the transaction
 * that makes it, so what is written about it stands or falls with the change.
 */
export type SubscriberChange =
  | { type: 'confirmed' | 'unsubscribed'; subscriber: Subscriber; previous: SubscriberStatus; reason: string }
  | { type: 'bounced'; subscriber: Subscriber; bounce: BounceKind; previous: SubscriberStatus }
  | { type: 'complained'; subscriber: Subscriber; reason: string }
  | { type: 'erased'; subscriberId: number };

/** Hears of each change to a subscriber, inside its transaction (a throw undoes the change). */
export type SubscriberChanges = (change: SubscriberChange) => void;

/** What adding a subscriber takes. */
export interface NewSubscriber {
  email: string;
  name?: string | undefined;
  status?: SubscriberStatus | undefined;
  topics?: readonly string[] | undefined;
  cadence?: Cadence | undefined;
  source: string;
}

interface Row {
  id: number;
  email: string;
  name: string;
  status: SubscriberStatus;
  topics: string;
  cadence: Cadence;
  source: string;
  created_at: string;
  updated_at: string;
  confirmed_at: string | null;
  unsubscribed_at: string | null;
  left_at: string | null;
  hard_bounces: number;
  soft_bounces: number;
  token_key: string;
}

function fromRow(row: Row): Subscriber {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    status: row.status,
    topics: JSON.parse(row.topics) as string[],
    cadence: row.cadence,
    source: row.source,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    confirmedAt: row.confirmed_at,
    unsubscribedAt: row.unsubscribed_at,
    leftAt: row.left_at,
    hardBounces: row.hard_bounces,
    softBounces: row.soft_bounces,
    tokenKey: row.token_key,
  };
}

/** A bad address or value, with what is wrong; the message starts with the address. */
export class SubscriberError extends PaperboyError {
  override name = 'SubscriberError';
}

/** Topics as stored: trimmed, without repeats, in the order given. */
export function cleanTopics(topics: readonly string[]): string[] {
  return [...new Set(topics.map((t) => t.trim()).filter((t) => t !== ''))];
}

/** The subscriber list, over a database handed in. */
export class SubscriberStore {
  readonly #db: Db;
  readonly #now: () => Date;
  readonly #insert;
  readonly #byKey;
  readonly #byId;
  readonly #event;
  readonly #delivered;

  readonly #waitMs: number;
  readonly #tell: SubscriberChanges | undefined;

  /**
   * `waitMs`: how long `write` waits, without blocking, while another process holds the lock;
   * `tell`: hears of confirmations, departures, bounces, complaints and erasures as they are written.
   */
  constructor(db: Db, now: () => Date = () => new Date(), waitMs = 2_000, tell?: SubscriberChanges) {
    this.#db = db;
    this.#now = now;
    this.#waitMs = waitMs;
    this.#tell = tell;
    this.#insert = db.prepare(
      `INSERT INTO subscribers (email, email_key, name, status, topics, cadence, source, created_at, updated_at, confirmed_at, token_key)
       VALUES (@email, @key, @name, @status, @topics, @cadence, @source, @now, @now, @confirmedAt, @tokenKey)
       ON CONFLICT (email_key) DO NOTHING`,
    );
    this.#byKey = db.prepare<[string], Row>('SELECT * FROM subscribers WHERE email_key = ?');
    this.#byId = db.prepare<[number], Row>('SELECT * FROM subscribers WHERE id = ?');
    this.#event = db.prepare('INSERT INTO events (subscriber_id, at, kind, detail) VALUES (?, ?, ?, ?)');
    this.#delivered = db.prepare(
      'UPDATE subscribers SET hard_bounces = 0, soft_bounces = 0 WHERE id = ? AND (hard_bounces > 0 OR soft_bounces > 0)',
    );
  }

  #stamp(): string {
    return this.#now().toISOString();
  }

  /** Adds a subscriber; an address already on the list is left as it is. Says which happened. */
  add(input: NewSubscriber): { subscriber: Subscriber; added: boolean } {
    const email = input.email.trim();
    const problem = addressProblem(email);
    if (problem) throw new SubscriberError(`${email || '(empty address)'}: the address ${problem}`);
    const status = input.status ?? 'pending';
    const now = this.#stamp();
    const result = this.#insert.run({
      email,
      key: addressKey(email),
      name: input.name?.trim() ?? '',
      status,
      topics: JSON.stringify(cleanTopics(input.topics ?? [])),
      cadence: input.cadence ?? 'daily',
      source: input.source,
      now,
      confirmedAt: status === 'confirmed' ? now : null,
      tokenKey: newTokenKey(),
    });
    const subscriber = this.find(email) as Subscriber;
    if (result.changes > 0) this.recordEvent(subscriber.id, 'added', `${status} via ${input.source}`);
    return { subscriber, added: result.changes > 0 };
  }

  /** The subscriber with this address (compared case-insensitively), if any. */
  find(email: string): Subscriber | undefined {
    const row = this.#byKey.get(addressKey(email));
    return row && fromRow(row);
  }

  /** The token key of the subscriber with this id, or undefined when there is none. */
  tokenKeyOf(id: number): string | undefined {
    return this.#db.prepare<[number], { token_key: string }>('SELECT token_key FROM subscribers WHERE id = ?').get(id)?.token_key;
  }

  /** The subscriber with this id, if any. */
  get(id: number): Subscriber | undefined {
    const row = this.#byId.get(id);
    return row && fromRow(row);
  }

  /** Subscribers one at a time, by id, optionally of one status: the list is never held whole. */
  *list(status?: SubscriberStatus): Generator<Subscriber> {
    const rows = status
      ? this.#db.prepare<[string], Row>('SELECT * FROM subscribers WHERE status = ? ORDER BY id').iterate(status)
      : this.#db.prepare<[], Row>('SELECT * FROM subscribers ORDER BY id').iterate();
    for (const row of rows) yield fromRow(row);
  }

  /** Up to `limit` subscribers after the id `after`, by id, optionally of one status: a page of the list. */
  page(after: number, limit: number, status?: SubscriberStatus): Subscriber[] {
    const rows = status
      ? this.#db
          .prepare<[number, string, number], Row>('SELECT * FROM subscribers WHERE id > ? AND status = ? ORDER BY id LIMIT ?')
          .all(after, status, limit)
      : this.#db.prepare<[number, number], Row>('SELECT * FROM subscribers WHERE id > ? ORDER BY id LIMIT ?').all(after, limit);
    return rows.map(fromRow);
  }

  /** How many subscribers, optionally of one status. */
  count(status?: SubscriberStatus): number {
    const row = status
      ? this.#db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM subscribers WHERE status = ?').get(status)
      : this.#db.prepare<[], { n: number }>('SELECT count(*) AS n FROM subscribers').get();
    return row?.n ?? 0;
  }

  /** Subscribers by status, every status present. */
  counts(): Record<SubscriberStatus, number> {
    const counts = { pending: 0, confirmed: 0, unsubscribed: 0, bounced: 0 };
    for (const row of this.#db
      .prepare<[], { status: SubscriberStatus; n: number }>('SELECT status, count(*) AS n FROM subscribers GROUP BY status')
      .all()) {
      counts[row.status] = row.n;
    }
    return counts;
  }

  /** Deletes a subscriber and their history; says whether there was one. */
  remove(email: string): boolean {
    return this.#db.prepare('DELETE FROM subscribers WHERE email_key = ?').run(addressKey(email)).changes > 0;
  }

  /**
   * Forgets a subscriber: their row, history and deliveries, and the daily counts kept under their
   * address, then empties the database's log so no copy of the address stays on disk. Says
   * whether there was one. `alongside` runs in the same transaction (what must not happen without it).
   */
  erase(email: string, alongside: () => void = () => undefined): boolean {
    const erased = this.#db.transaction(() => {
      const id = this.#byKey.get(addressKey(email))?.id;
      const gone = this.#db.prepare('DELETE FROM subscribers WHERE email_key = ?').run(addressKey(email)).changes > 0;
      if (gone && id !== undefined) this.#tell?.({ type: 'erased', subscriberId: id });
      this.#db.prepare('DELETE FROM confirmations WHERE email_key IN (?, ?)').run(addressKey(email), mailboxKey(email));
      alongside();
      return gone;
    })();
    checkpoint(this.#db);
    return erased;
  }

  /** Moves a subscriber to a status, with the reason in their history. */
  setStatus(id: number, status: SubscriberStatus, reason: string): void {
    this.#db.transaction(() => {
      const previous = this.#byId.get(id)?.status;
      this.#moveTo(id, status, reason);
      const subscriber = this.get(id);
      if (subscriber === undefined || previous === undefined) return;
      if (status === 'confirmed' || status === 'unsubscribed') this.#tell?.({ type: status, subscriber, previous, reason });
    })();
  }

  #moveTo(id: number, status: SubscriberStatus, reason: string): void {
    const now = this.#stamp();
    this.#db
      .prepare(
        `UPDATE subscribers SET status = @status, updated_at = @now,
           confirmed_at = CASE WHEN @status = 'confirmed' THEN @now ELSE confirmed_at END,
           soft_bounces = CASE WHEN @status = 'confirmed' THEN 0 ELSE soft_bounces END,
           unsubscribed_at = CASE WHEN @status = 'unsubscribed' THEN @now ELSE unsubscribed_at END,
           left_at = CASE WHEN @status IN ('unsubscribed', 'bounced') THEN @now ELSE left_at END
         WHERE id = @id`,
      )
      .run({ id, status, now });
    this.recordEvent(id, status, reason);
  }

  /** Saves a subscriber's topics and cadence. */
  setPreferences(id: number, topics: readonly string[], cadence: Cadence): void {
    this.#db
      .prepare('UPDATE subscribers SET topics = ?, cadence = ?, updated_at = ? WHERE id = ?')
      .run(JSON.stringify(cleanTopics(topics)), cadence, this.#stamp(), id);
    this.recordEvent(id, 'preferences', `${cadence}; ${cleanTopics(topics).join(', ') || 'all topics'}`);
  }

  /** A delivery went through: the mailbox works, so bounces counted so far are forgotten. */
  recordDelivered(id: number): void {
    this.#delivered.run(id);
  }

  /**
   * Counts a bounce: `hard` for a permanent failure, `soft` for a temporary one reported later (a
   * DSN; counted in a row, as a delivery clears them). The `limit`th marks the subscriber bounced;
   * says whether it did.
   */
  recordBounce(id: number, kind: BounceKind, detail: string, limit = 3): boolean {
    const { column, field, reason } = BOUNCES[kind];
    return this.#db.transaction(() => {
      const previous = this.#byId.get(id)?.status;
      this.#db.prepare(`UPDATE subscribers SET ${column} = ${column} + 1, updated_at = ? WHERE id = ?`).run(this.#stamp(), id);
      this.recordEvent(id, `${kind}-bounce`, detail);
      const subscriber = this.get(id);
      if (subscriber === undefined || previous === undefined) return false;
      const marked = subscriber[field] >= limit && subscriber.status !== 'bounced';
      if (marked) this.#moveTo(id, 'bounced', reason(subscriber[field]));
      this.#tell?.({ type: 'bounced', subscriber: marked ? { ...subscriber, status: 'bounced' } : subscriber, bounce: kind, previous });
      return marked;
    })();
  }

  /** Records a spam complaint about a subscriber in their history (what it does to their status is the caller's). */
  recordComplaint(id: number, detail: string): void {
    this.#db.transaction(() => {
      this.recordEvent(id, 'complaint', detail);
      const subscriber = this.get(id);
      if (subscriber !== undefined) this.#tell?.({ type: 'complained', subscriber, reason: detail });
    })();
  }

  /** How many history events of each kind since a time (and before another, when given), for status and the report. */
  eventCounts(since: string, until?: string): Record<string, number> {
    const counts: Record<string, number> = {};
    const rows = this.#db
      .prepare<[string, string], { kind: string; n: number }>(
        'SELECT kind, count(*) AS n FROM events WHERE at >= ? AND at < ? GROUP BY kind',
      )
      .all(since, until ?? '\uffff');
    for (const row of rows) counts[row.kind] = row.n;
    return counts;
  }

  /**
   * Subscribers by status at the end of each day given (YYYY-MM-DD in UTC, oldest first), as their
   * history tells it: the status they were added with, then each change. Removed and erased
   * subscribers take their history with them, so they count on no day.
   */
  statusByDay(days: readonly string[]): Record<SubscriberStatus, number>[] {
    const ends = days.map((day) => `${day}T23:59:59.999Z`);
    const counts = days.map(() => ({ pending: 0, confirmed: 0, unsubscribed: 0, bounced: 0 }));
    let changes: { at: string; status: SubscriberStatus }[] = [];
    const settle = () => {
      let k = 0;
      let status: SubscriberStatus | undefined;
      ends.forEach((end, d) => {
        for (let change = changes[k]; change !== undefined && change.at <= end; change = changes[++k]) status = change.status;
        if (status !== undefined) (counts[d] as Record<SubscriberStatus, number>)[status]++;
      });
      changes = [];
    };
    const rows = this.#db
      .prepare<[], { id: number; at: string; kind: string; detail: string }>(
        `SELECT subscriber_id AS id, at, kind, detail FROM events
         WHERE kind IN ('added', 'pending', 'confirmed', 'unsubscribed', 'bounced') ORDER BY subscriber_id, id`,
      )
      .iterate();
    let current: number | undefined;
    for (const row of rows) {
      if (row.id !== current) settle();
      current = row.id;
      // An `added` line says the status they came in with first: `confirmed via import`.
      const status = row.kind === 'added' ? row.detail.split(' ')[0] : row.kind;
      if (STATUSES.includes(status as SubscriberStatus)) changes.push({ at: row.at, status: status as SubscriberStatus });
    }
    settle();
    return counts;
  }

  /** Adds a line to a subscriber's history. */
  recordEvent(id: number, kind: string, detail: string): void {
    this.#event.run(id, this.#stamp(), kind, detail);
  }

  /** A subscriber's history, oldest first. */
  history(id: number): { at: string; kind: string; detail: string }[] {
    return this.#db
      .prepare<[number], { at: string; kind: string; detail: string }>(
        'SELECT at, kind, detail FROM events WHERE subscriber_id = ? ORDER BY id',
      )
      .all(id);
  }

  /** How many confirmation emails went to an address's mailbox (any `+tag`) on a day (YYYY-MM-DD). */
  confirmationsOn(email: string, day: string): number {
    const row = this.#db
      .prepare<[string, string], { count: number }>('SELECT count FROM confirmations WHERE email_key = ? AND day = ?')
      .get(mailboxKey(email), day);
    return row?.count ?? 0;
  }

  /**
   * Takes one of an address's `limit` emails for a day, in one step, so requests that arrive
   * together cannot all pass; false when none is left. Earlier days are forgotten.
   */
  reserveConfirmation(email: string, day: string, limit: number): boolean {
    return this.#db
      .transaction(() => {
        if (this.confirmationsOn(email, day) >= limit) return false;
        this.#db
          .prepare(
            'INSERT INTO confirmations (email_key, day, count) VALUES (?, ?, 1) ON CONFLICT (email_key, day) DO UPDATE SET count = count + 1',
          )
          .run(mailboxKey(email), day);
        this.#db.prepare('DELETE FROM confirmations WHERE day < ?').run(day);
        return true;
      })
      .immediate();
  }

  /** Gives back an email taken by `reserveConfirmation` that never went out. */
  releaseConfirmation(email: string, day: string): void {
    this.#db.prepare('UPDATE confirmations SET count = max(count - 1, 0) WHERE email_key = ? AND day = ?').run(mailboxKey(email), day);
  }

  /** Runs `work` (its writes) once the database is free, without blocking; a `DatabaseBusyError` after a while. */
  write<T>(work: () => T): Promise<T> {
    return retryWhileBusy(this.#db.name, work, this.#waitMs);
  }

  /** Runs `work` in one transaction (imports of thousands of rows). */
  transaction<T>(work: () => T): T {
    return this.#db.transaction(work)();
  }
}
