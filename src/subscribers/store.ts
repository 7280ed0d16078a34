import { PaperboyError } from '../errors.ts';
import { jsonRows, type Sql } from '../db/index.ts';
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
  /** Deleted by the operator with their history (`subscribers remove`, the API's DELETE): not an erasure. */
  | { type: 'removed'; subscriber: Subscriber }
  | { type: 'erased'; subscriberId: number };

/** Hears of each change to a subscriber, inside its transaction (a throw undoes the change). */
export type SubscriberChanges = (change: SubscriberChange) => Promise<void>;

// How many subscribers (or history lines) are read at a time when going through the whole list.
const LIST_PAGE = 500;

// Where an erased subscriber's bytes were: what the database is asked to forget.
const ERASED_FROM = ['subscribers', 'events', 'deliveries', 'confirmations', 'suppressions', 'webhook_events'] as const;

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

/** What adding one of many subscribers did: added, found already on the list (as they are), or refused (why). */
export type Added =
  | { added: true; id: number }
  | { added: false; id: number; status: SubscriberStatus }
  | { added: false; problem: string };

// The columns of subscribers added many at once, as `addMany` hands them to the database.
const NEW_ROWS = {
  email: 'text',
  email_key: 'text',
  name: 'text',
  status: 'text',
  topics: 'text',
  cadence: 'text',
  source: 'text',
  confirmed_at: 'text',
  token_key: 'text',
  detail: 'text',
} as const;

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
  readonly #sql: Sql;
  readonly #now: () => Date;
  readonly #tell: SubscriberChanges | undefined;

  /** `tell` hears of confirmations, departures, bounces, complaints and erasures as they are written. */
  constructor(sql: Sql, now: () => Date = () => new Date(), tell?: SubscriberChanges) {
    this.#sql = sql;
    this.#now = now;
    this.#tell = tell;
  }

  #stamp(): string {
    return this.#now().toISOString();
  }

  async #byKey(key: string): Promise<Row | undefined> {
    return this.#sql.get<Row>('SELECT * FROM subscribers WHERE email_key = @key', { key });
  }

  async #byId(id: number): Promise<Row | undefined> {
    return this.#sql.get<Row>('SELECT * FROM subscribers WHERE id = @id', { id });
  }

  /** Adds a subscriber; an address already on the list is left as it is. Says which happened. */
  async add(input: NewSubscriber): Promise<{ subscriber: Subscriber; added: boolean }> {
    const email = input.email.trim();
    const problem = addressProblem(email);
    if (problem) throw new SubscriberError(`${email || '(empty address)'}: the address ${problem}`);
    const status = input.status ?? 'pending';
    const now = this.#stamp();
    // An address already on the list is looked for first: PostgreSQL spends an id on every row
    // ON CONFLICT turns away, SQLite none, and the two stores number subscribers alike.
    const result = await this.#sql.run(
      `INSERT INTO subscribers (email, email_key, name, status, topics, cadence, source, created_at, updated_at, confirmed_at, token_key)
       SELECT @email, @key, @name, @status, @topics, @cadence, @source, @now, @now, @confirmedAt, @tokenKey
       WHERE NOT EXISTS (SELECT 1 FROM subscribers WHERE email_key = @key)
       ON CONFLICT (email_key) DO NOTHING`,
      {
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
      },
    );
    const subscriber = (await this.find(email)) as Subscriber;
    if (result.changes > 0) await this.recordEvent(subscriber.id, 'added', `${status} via ${input.source}`);
    return { subscriber, added: result.changes > 0 };
  }

  /**
   * Adds many subscribers in a few statements (an import's batch), each as `add` adds one: an
   * address already on the list (or earlier in `inputs`) is left as it is, and a bad one is refused
   * with why. Says what became of each, in the order given.
   */
  async addMany(inputs: readonly NewSubscriber[]): Promise<Added[]> {
    const now = this.#stamp();
    const results: (Added | undefined)[] = [];
    const fresh = new Map<string, Record<keyof typeof NEW_ROWS, string | null>>();
    const keyOf: (string | undefined)[] = [];
    inputs.forEach((input, i) => {
      const email = input.email.trim();
      const problem = addressProblem(email);
      if (problem) {
        results[i] = { added: false, problem: `${email || '(empty address)'}: the address ${problem}` };
        return;
      }
      const key = addressKey(email);
      keyOf[i] = key;
      if (fresh.has(key)) return;
      const status = input.status ?? 'pending';
      fresh.set(key, {
        email,
        email_key: key,
        name: input.name?.trim() ?? '',
        status,
        topics: JSON.stringify(cleanTopics(input.topics ?? [])),
        cadence: input.cadence ?? 'daily',
        source: input.source,
        confirmed_at: status === 'confirmed' ? now : null,
        token_key: newTokenKey(),
        detail: `${status} via ${input.source}`,
      });
    });
    const dialect = this.#sql.dialect;
    return this.#sql.transaction(async () => {
      const rows = [...fresh.values()];
      // Those already on the list are left out before the insert (no id spent on them), in the order given.
      const inserted = await this.#sql.all<{ id: number; email_key: string }>(
        `INSERT INTO subscribers (email, email_key, name, status, topics, cadence, source, created_at, updated_at, confirmed_at, token_key)
         SELECT r.email, r.email_key, r.name, r.status, r.topics, r.cadence, r.source, @now, @now, r.confirmed_at, r.token_key
         FROM ${jsonRows(dialect, 'rows', NEW_ROWS)} AS r
         WHERE NOT EXISTS (SELECT 1 FROM subscribers s WHERE s.email_key = r.email_key)
         ON CONFLICT (email_key) DO NOTHING
         RETURNING id, email_key`,
        { now, rows: JSON.stringify(rows) },
      );
      const added = new Map(inserted.map((row) => [row.email_key, row.id]));
      const events = inserted.sort((a, b) => a.id - b.id).map((row) => ({ id: row.id, detail: fresh.get(row.email_key)?.detail ?? '' }));
      await this.#sql.run(
        `INSERT INTO events (subscriber_id, at, kind, detail) SELECT e.id, @now, 'added', e.detail
         FROM ${jsonRows(dialect, 'events', { id: 'integer', detail: 'text' })} AS e`,
        { now, events: JSON.stringify(events) },
      );
      const others = rows.filter((row) => !added.has(row.email_key as string)).map((row) => ({ key: row.email_key }));
      const found = await this.#sql.all<{ id: number; email_key: string; status: SubscriberStatus }>(
        `SELECT id, email_key, status FROM subscribers WHERE email_key IN (SELECT k.key FROM ${jsonRows(dialect, 'keys', { key: 'text' })} AS k)`,
        { keys: JSON.stringify(others) },
      );
      const listed = new Map(found.map((row) => [row.email_key, row]));
      const seen = new Set<string>();
      return inputs.map((_, i): Added => {
        const known = results[i];
        const key = keyOf[i];
        if (known !== undefined || key === undefined) return known as Added;
        const first = !seen.has(key);
        seen.add(key);
        const id = added.get(key);
        if (id !== undefined) return first ? { added: true, id } : { added: false, id, status: fresh.get(key)?.status as SubscriberStatus };
        const row = listed.get(key);
        if (row === undefined) throw new Error(`${key}: neither added nor found on the list`);
        return { added: false, id: row.id, status: row.status };
      });
    });
  }

  /** The subscriber with this address (compared case-insensitively), if any. */
  async find(email: string): Promise<Subscriber | undefined> {
    const row = await this.#byKey(addressKey(email));
    return row && fromRow(row);
  }

  /** The token key of the subscriber with this id, or undefined when there is none. */
  async tokenKeyOf(id: number): Promise<string | undefined> {
    return (await this.#sql.get<{ token_key: string }>('SELECT token_key FROM subscribers WHERE id = @id', { id }))?.token_key;
  }

  /** The subscriber with this id, if any. */
  async get(id: number): Promise<Subscriber | undefined> {
    const row = await this.#byId(id);
    return row && fromRow(row);
  }

  /** Subscribers one at a time, by id, optionally of one status: the list is never held whole (a page at a time). */
  async *list(status?: SubscriberStatus): AsyncGenerator<Subscriber> {
    for (let after = 0; ; ) {
      const page = await this.page(after, LIST_PAGE, status);
      yield* page;
      if (page.length < LIST_PAGE) return;
      after = (page.at(-1) as Subscriber).id;
    }
  }

  /** Up to `limit` subscribers after the id `after`, by id, optionally of one status: a page of the list. */
  async page(after: number, limit: number, status?: SubscriberStatus): Promise<Subscriber[]> {
    const rows = status
      ? await this.#sql.all<Row>('SELECT * FROM subscribers WHERE id > @after AND status = @status ORDER BY id LIMIT @limit', {
          after,
          status,
          limit,
        })
      : await this.#sql.all<Row>('SELECT * FROM subscribers WHERE id > @after ORDER BY id LIMIT @limit', { after, limit });
    return rows.map(fromRow);
  }

  /** How many subscribers, optionally of one status. */
  async count(status?: SubscriberStatus): Promise<number> {
    const row = status
      ? await this.#sql.get<{ n: number }>('SELECT count(*) AS n FROM subscribers WHERE status = @status', { status })
      : await this.#sql.get<{ n: number }>('SELECT count(*) AS n FROM subscribers');
    return row?.n ?? 0;
  }

  /** Subscribers by status, every status present. */
  async counts(): Promise<Record<SubscriberStatus, number>> {
    const counts = { pending: 0, confirmed: 0, unsubscribed: 0, bounced: 0 };
    const rows = await this.#sql.all<{ status: SubscriberStatus; n: number }>(
      'SELECT status, count(*) AS n FROM subscribers GROUP BY status',
    );
    for (const row of rows) counts[row.status] = row.n;
    return counts;
  }

  /** Deletes a subscriber and their history; says whether there was one. */
  async remove(email: string): Promise<boolean> {
    const key = addressKey(email);
    return this.#sql.transaction(async () => {
      const row = await this.#byKey(key);
      if (row === undefined) return false;
      await this.#sql.run('DELETE FROM subscribers WHERE id = @id', { id: row.id });
      await this.#tell?.({ type: 'removed', subscriber: fromRow(row) });
      return true;
    });
  }

  /**
   * Forgets a subscriber: their row, history and deliveries, and the daily counts kept under their
   * address, then has the database forget the deleted bytes, so no copy of the address stays on
   * disk. Says whether there was one. `alongside` runs in the same transaction (what must not happen without it).
   */
  async erase(email: string, alongside: () => Promise<void> = async () => undefined): Promise<boolean> {
    const key = addressKey(email);
    const erased = await this.#sql.transaction(async () => {
      const id = (await this.#byKey(key))?.id;
      const gone = (await this.#sql.run('DELETE FROM subscribers WHERE email_key = @key', { key })).changes > 0;
      if (gone && id !== undefined) await this.#tell?.({ type: 'erased', subscriberId: id });
      await this.#sql.run('DELETE FROM confirmations WHERE email_key IN (@key, @mailbox)', { key, mailbox: mailboxKey(email) });
      await alongside();
      return gone;
    });
    await this.#sql.forgetDeleted(ERASED_FROM);
    return erased;
  }

  /** Moves a subscriber to a status, with the reason in their history. */
  async setStatus(id: number, status: SubscriberStatus, reason: string): Promise<void> {
    await this.#sql.transaction(async () => {
      const previous = (await this.#byId(id))?.status;
      await this.#moveTo(id, status, reason);
      const subscriber = await this.get(id);
      if (subscriber === undefined || previous === undefined) return;
      if (status === 'confirmed' || status === 'unsubscribed') await this.#tell?.({ type: status, subscriber, previous, reason });
    });
  }

  async #moveTo(id: number, status: SubscriberStatus, reason: string): Promise<void> {
    const now = this.#stamp();
    await this.#sql.run(
      `UPDATE subscribers SET status = @status, updated_at = @now,
         confirmed_at = CASE WHEN @status = 'confirmed' THEN @now ELSE confirmed_at END,
         soft_bounces = CASE WHEN @status = 'confirmed' THEN 0 ELSE soft_bounces END,
         unsubscribed_at = CASE WHEN @status = 'unsubscribed' THEN @now ELSE unsubscribed_at END,
         left_at = CASE WHEN @status IN ('unsubscribed', 'bounced') THEN @now ELSE left_at END
       WHERE id = @id`,
      { id, status, now },
    );
    await this.recordEvent(id, status, reason);
  }

  /** Saves a subscriber's topics and cadence. */
  async setPreferences(id: number, topics: readonly string[], cadence: Cadence): Promise<void> {
    const cleaned = cleanTopics(topics);
    await this.#sql.run('UPDATE subscribers SET topics = @topics, cadence = @cadence, updated_at = @now WHERE id = @id', {
      topics: JSON.stringify(cleaned),
      cadence,
      now: this.#stamp(),
      id,
    });
    await this.recordEvent(id, 'preferences', `${cadence}; ${cleaned.join(', ') || 'all topics'}`);
  }

  /** A delivery went through: the mailbox works, so bounces counted so far are forgotten. */
  async recordDelivered(id: number): Promise<void> {
    await this.#sql.run(
      'UPDATE subscribers SET hard_bounces = 0, soft_bounces = 0 WHERE id = @id AND (hard_bounces > 0 OR soft_bounces > 0)',
      {
        id,
      },
    );
  }

  /**
   * Counts a bounce: `hard` for a permanent failure, `soft` for a temporary one reported later (a
   * DSN; counted in a row, as a delivery clears them). The `limit`th marks the subscriber bounced;
   * says whether it did.
   */
  async recordBounce(id: number, kind: BounceKind, detail: string, limit = 3): Promise<boolean> {
    const { column, field, reason } = BOUNCES[kind];
    return this.#sql.transaction(async () => {
      const previous = (await this.#byId(id))?.status;
      await this.#sql.run(`UPDATE subscribers SET ${column} = ${column} + 1, updated_at = @now WHERE id = @id`, { now: this.#stamp(), id });
      await this.recordEvent(id, `${kind}-bounce`, detail);
      const subscriber = await this.get(id);
      if (subscriber === undefined || previous === undefined) return false;
      const marked = subscriber[field] >= limit && subscriber.status !== 'bounced';
      if (marked) await this.#moveTo(id, 'bounced', reason(subscriber[field]));
      const told = marked ? { ...subscriber, status: 'bounced' as const } : subscriber;
      await this.#tell?.({ type: 'bounced', subscriber: told, bounce: kind, previous });
      return marked;
    });
  }

  /** Records a spam complaint about a subscriber in their history (what it does to their status is the caller's). */
  async recordComplaint(id: number, detail: string): Promise<void> {
    await this.#sql.transaction(async () => {
      await this.recordEvent(id, 'complaint', detail);
      const subscriber = await this.get(id);
      if (subscriber !== undefined) await this.#tell?.({ type: 'complained', subscriber, reason: detail });
    });
  }

  /** How many history events of each kind since a time (and before another, when given), for status and the report. */
  async eventCounts(since: string, until?: string): Promise<Record<string, number>> {
    const counts: Record<string, number> = {};
    const rows = await this.#sql.all<{ kind: string; n: number }>(
      'SELECT kind, count(*) AS n FROM events WHERE at >= @since AND at < @until GROUP BY kind',
      { since, until: until ?? '\uffff' },
    );
    for (const row of rows) counts[row.kind] = row.n;
    return counts;
  }

  /**
   * Subscribers by status at the end of each day given (YYYY-MM-DD in UTC, oldest first), as their
   * history tells it: the status they were added with, then each change. Removed and erased
   * subscribers take their history with them, so they count on no day.
   */
  async statusByDay(days: readonly string[]): Promise<Record<SubscriberStatus, number>[]> {
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
    let current: number | undefined;
    // The history is read a page at a time, in order of subscriber and event (`events.id`: a bare
    // `id` in ORDER BY would be the output column of that name, the subscriber's).
    for (let after = { id: 0, event: 0 }; ; ) {
      const rows = await this.#sql.all<{ id: number; event: number; at: string; kind: string; detail: string }>(
        `SELECT subscriber_id AS id, id AS event, at, kind, detail FROM events
         WHERE kind IN ('added', 'pending', 'confirmed', 'unsubscribed', 'bounced')
           AND (subscriber_id > @id OR (subscriber_id = @id AND id > @event))
         ORDER BY subscriber_id, events.id LIMIT @limit`,
        { ...after, limit: LIST_PAGE },
      );
      for (const row of rows) {
        if (row.id !== current) settle();
        current = row.id;
        // An `added` line says the status they came in with first: `confirmed via import`.
        const status = row.kind === 'added' ? row.detail.split(' ')[0] : row.kind;
        if (STATUSES.includes(status as SubscriberStatus)) changes.push({ at: row.at, status: status as SubscriberStatus });
      }
      const last = rows.at(-1);
      if (last === undefined || rows.length < LIST_PAGE) break;
      after = { id: last.id, event: last.event };
    }
    settle();
    return counts;
  }

  /** Adds a line to a subscriber's history. */
  async recordEvent(id: number, kind: string, detail: string): Promise<void> {
    await this.#sql.run('INSERT INTO events (subscriber_id, at, kind, detail) VALUES (@id, @at, @kind, @detail)', {
      id,
      at: this.#stamp(),
      kind,
      detail,
    });
  }

  /** A subscriber's history, oldest first. */
  async history(id: number): Promise<{ at: string; kind: string; detail: string }[]> {
    return this.#sql.all('SELECT at, kind, detail FROM events WHERE subscriber_id = @id ORDER BY id', { id });
  }

  /** How many confirmation emails went to an address's mailbox (any `+tag`) on a day (YYYY-MM-DD). */
  async confirmationsOn(email: string, day: string): Promise<number> {
    const row = await this.#sql.get<{ count: number }>('SELECT count FROM confirmations WHERE email_key = @key AND day = @day', {
      key: mailboxKey(email),
      day,
    });
    return row?.count ?? 0;
  }

  /**
   * Takes one of an address's `limit` emails for a day, in one step, so requests that arrive
   * together cannot all pass; false when none is left. Earlier days are forgotten.
   */
  async reserveConfirmation(email: string, day: string, limit: number): Promise<boolean> {
    return this.#sql.transaction(async () => {
      if ((await this.confirmationsOn(email, day)) >= limit) return false;
      await this.#sql.run(
        `INSERT INTO confirmations (email_key, day, count) VALUES (@key, @day, 1)
         ON CONFLICT (email_key, day) DO UPDATE SET count = confirmations.count + 1`,
        { key: mailboxKey(email), day },
      );
      await this.#sql.run('DELETE FROM confirmations WHERE day < @day', { day });
      return true;
    });
  }

  /** Gives back an email taken by `reserveConfirmation` that never went out. */
  async releaseConfirmation(email: string, day: string): Promise<void> {
    await this.#sql.run('UPDATE confirmations SET count = count - 1 WHERE email_key = @key AND day = @day AND count > 0', {
      key: mailboxKey(email),
      day,
    });
  }

  /** Runs `work` in one transaction (imports of thousands of rows). */
  transaction<T>(work: () => Promise<T>): Promise<T> {
    return this.#sql.transaction(work);
  }
}
