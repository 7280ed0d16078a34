import type { Sql } from './sql.ts';

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
  readonly #sql: Sql;
  readonly #now: () => Date;

  constructor(sql: Sql, now: () => Date = () => new Date()) {
    this.#sql = sql;
    this.#now = now;
  }

  /** Queues an event for each receiver, due at once. */
  async add(event: NewWebhook, urls: readonly string[]): Promise<void> {
    const now = this.#now().toISOString();
    for (const url of urls) {
      await this.#sql.run(
        `INSERT INTO webhook_events (id, url, subject, type, body, created_at, next_at)
         VALUES (@id, @url, @subject, @type, @body, @now, @now)`,
        { id: event.id, url, subject: event.subject, type: event.type, body: event.body, now },
      );
    }
  }

  /** Rewrites the waiting events of a subject (an erased subscriber's address taken out of them). */
  async rewrite(subject: string, change: (body: string) => string): Promise<void> {
    const rows = await this.#sql.all<{ seq: number; body: string }>('SELECT seq, body FROM webhook_events WHERE subject = @subject', {
      subject,
    });
    for (const row of rows)
      await this.#sql.run('UPDATE webhook_events SET body = @body WHERE seq = @seq', { body: change(row.body), seq: row.seq });
  }

  /**
   * Takes up to `limit` deliveries that are due and first in line for their subject and receiver,
   * and holds them for `holdMs` (another process leaves them alone meanwhile).
   */
  async claim(limit: number, holdMs: number): Promise<PendingWebhook[]> {
    return this.#sql.transaction(async () => {
      const now = this.#now();
      const rows = await this.#sql.all<PendingWebhook>(
        `SELECT seq, id, url, type, body, attempts FROM webhook_events d
         WHERE next_at <= @now AND NOT EXISTS (
           SELECT 1 FROM webhook_events e WHERE e.url = d.url AND e.subject = d.subject AND e.seq < d.seq)
         ORDER BY seq LIMIT @limit`,
        { now: now.toISOString(), limit },
      );
      const until = new Date(now.getTime() + holdMs).toISOString();
      for (const row of rows) await this.#sql.run('UPDATE webhook_events SET next_at = @until WHERE seq = @seq', { until, seq: row.seq });
      return rows;
    });
  }

  /** The receiver took it: it is gone from the queue. */
  async delivered(seq: number): Promise<void> {
    await this.#sql.run('DELETE FROM webhook_events WHERE seq = @seq', { seq });
  }

  /** An attempt failed: counted, with why, and tried again at `next`. */
  async failed(seq: number, error: string, next: Date): Promise<void> {
    await this.#sql.run('UPDATE webhook_events SET attempts = attempts + 1, last_error = @error, next_at = @next WHERE seq = @seq', {
      error,
      next: next.toISOString(),
      seq,
    });
  }

  /** Makes everything waiting due now (a restart tries at once); says how many. */
  async dueNow(): Promise<number> {
    const now = this.#now().toISOString();
    return (await this.#sql.run('UPDATE webhook_events SET next_at = @now WHERE next_at > @now', { now })).changes;
  }

  /** Drops what waits for a receiver no longer configured; says how many. */
  async dropOthers(urls: readonly string[]): Promise<number> {
    const keep = new Set(urls);
    const stored = await this.#sql.all<{ url: string }>('SELECT DISTINCT url FROM webhook_events');
    let dropped = 0;
    for (const { url } of stored.filter((row) => !keep.has(row.url))) {
      dropped += (await this.#sql.run('DELETE FROM webhook_events WHERE url = @url', { url })).changes;
    }
    return dropped;
  }

  /** When the next delivery falls due, if any waits. */
  async nextDue(): Promise<Date | undefined> {
    const at = (await this.#sql.get<{ at: string | null }>('SELECT min(next_at) AS at FROM webhook_events'))?.at;
    return at ? new Date(at) : undefined;
  }

  /** How many deliveries wait. */
  async pending(): Promise<number> {
    return (await this.#sql.get<{ n: number }>('SELECT count(*) AS n FROM webhook_events'))?.n ?? 0;
  }

  /** What waits, since when, and the latest failure (the one tried again last; of two at once, the later event's). */
  async backlog(): Promise<WebhookBacklog> {
    const row = await this.#sql.get<{ n: number; oldest: string | null }>(
      'SELECT count(*) AS n, min(created_at) AS oldest FROM webhook_events',
    );
    const last = await this.#sql.get<{ last_error: string }>(
      "SELECT last_error FROM webhook_events WHERE last_error != '' ORDER BY next_at DESC, seq DESC LIMIT 1",
    );
    return { pending: row?.n ?? 0, oldest: row?.oldest ?? null, lastError: last?.last_error ?? null };
  }
}
