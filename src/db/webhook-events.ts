import { retryWhileBusy } from './busy.ts';
import type { Db } from './database.ts';

/** An event on its way to one receiver. */
export interface PendingWebhook {
  /** Its place in the queue: earlier events of a subject go first. */
  seq: number;
  /** The event's id (`webhook-id`), the same for every receiver and every attempt. */
  id: string;
  url: string;
  type: string;
  /** The JSON body, as it is signed and sent. */
  body: string;
  attempts: number;
}

/** What is waiting: how many deliveries, since when, and the last failure. */
export interface WebhookBacklog {
  pending: number;
  oldest: string | null;
  lastError: string | null;
}

/** A new event: what it is about (`subscriber:12`, `issue:2026-12-06`) keeps its subject's events in order. */
export interface NewWebhook {
  id: string;
  type: string;
  subject: string;
  body: string;
}

/**
 * The webhook events not yet delivered, one row per event and receiver, in the database: written
 * by the change they tell of, inside its transaction; deleted once the receiver answered 2xx.
 */
export class WebhookEvents {
  readonly #db: Db;
  readonly #now: () => Date;

  constructor(db: Db, now: () => Date = () => new Date()) {
    this.#db = db;
    this.#now = now;
  }

  /** Queues an event for each receiver, due at once. */
  add(event: NewWebhook, urls: readonly string[]): void {
    const insert = this.#db.prepare(
      `INSERT INTO webhook_events (id, url, subject, type, body, created_at, next_at)
       VALUES (@id, @url, @subject, @type, @body, @now, @now)`,
    );
    const now = this.#now().toISOString();
    for (const url of urls) insert.run({ ...event, url, now });
  }

  /** Rewrites the waiting events of a subject (an erased subscriber's address taken out of them). */
  rewrite(subject: string, change: (body: string) => string): void {
    const rows = this.#db
      .prepare<[string], { seq: number; body: string }>('SELECT seq, body FROM webhook_events WHERE subject = ?')
      .all(subject);
    const update = this.#db.prepare('UPDATE webhook_events SET body = ? WHERE seq = ?');
    for (const row of rows) update.run(change(row.body), row.seq);
  }

  /**
   * Takes up to `limit` deliveries that are due and first in line for their subject and receiver,
   * and holds them for `holdMs` (another process leaves them alone meanwhile).
   */
  claim(limit: number, holdMs: number): PendingWebhook[] {
    return this.#db
      .transaction(() => {
        const now = this.#now();
        const rows = this.#db
          .prepare<[string, number], PendingWebhook>(
            `SELECT seq, id, url, type, body, attempts FROM webhook_events d
           WHERE next_at <= ? AND NOT EXISTS (
             SELECT 1 FROM webhook_events e WHERE e.url = d.url AND e.subject = d.subject AND e.seq < d.seq)
           ORDER BY seq LIMIT ?`,
          )
          .all(now.toISOString(), limit);
        const hold = this.#db.prepare('UPDATE webhook_events SET next_at = ? WHERE seq = ?');
        const until = new Date(now.getTime() + holdMs).toISOString();
        for (const row of rows) hold.run(until, row.seq);
        return rows;
      })
      .immediate();
  }

  /** The receiver took it: it is gone from the queue. */
  delivered(seq: number): void {
    this.#db.prepare('DELETE FROM webhook_events WHERE seq = ?').run(seq);
  }

  /** An attempt failed: counted, with why, and tried again at `next`. */
  failed(seq: number, error: string, next: Date): void {
    this.#db
      .prepare('UPDATE webhook_events SET attempts = attempts + 1, last_error = ?, next_at = ? WHERE seq = ?')
      .run(error, next.toISOString(), seq);
  }

  /** Makes everything waiting due now (a restart tries at once); says how many. */
  dueNow(): number {
    const now = this.#now().toISOString();
    return this.#db.prepare('UPDATE webhook_events SET next_at = ? WHERE next_at > ?').run(now, now).changes;
  }

  /** Drops what waits for a receiver no longer configured; says how many. */
  dropOthers(urls: readonly string[]): number {
    const keep = new Set(urls);
    const stored = this.#db.prepare<[], { url: string }>('SELECT DISTINCT url FROM webhook_events').all();
    const others = stored.filter((row) => !keep.has(row.url));
    const drop = this.#db.prepare('DELETE FROM webhook_events WHERE url = ?');
    return others.reduce((sum, row) => sum + drop.run(row.url).changes, 0);
  }

  /** When the next delivery falls due, if any waits. */
  nextDue(): Date | undefined {
    const at = this.#db.prepare<[], { at: string | null }>('SELECT min(next_at) AS at FROM webhook_events').get()?.at;
    return at ? new Date(at) : undefined;
  }

  /** How many deliveries wait. */
  pending(): number {
    return this.#db.prepare<[], { n: number }>('SELECT count(*) AS n FROM webhook_events').get()?.n ?? 0;
  }

  /** What waits, since when, and the latest failure. */
  backlog(): WebhookBacklog {
    const row = this.#db
      .prepare<[], { n: number; oldest: string | null }>('SELECT count(*) AS n, min(created_at) AS oldest FROM webhook_events')
      .get();
    const last = this.#db
      .prepare<[], { last_error: string }>("SELECT last_error FROM webhook_events WHERE last_error != '' ORDER BY next_at DESC LIMIT 1")
      .get();
    return { pending: row?.n ?? 0, oldest: row?.oldest ?? null, lastError: last?.last_error ?? null };
  }

  /** Runs `work` (its writes) once the database is free, without blocking. */
  write<T>(work: () => T): Promise<T> {
    return retryWhileBusy(this.#db.name, work, 30_000);
  }
}
