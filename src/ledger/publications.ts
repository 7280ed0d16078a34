import type { Sql } from '../db/index.ts';
import type { LedgerChanges } from './rounds.ts';

/** An issue that was published: mailed, or deliberately not (empty, late), and when. */
export interface Publication {
  issue: string;
  publishedAt: string;
  mailed: boolean;
  note: string;
}

type PublicationRow = { issue: string; published_at: string; mailed: number; note: string };

const toPublication = (row: PublicationRow): Publication => ({
  issue: row.issue,
  publishedAt: row.published_at,
  mailed: row.mailed === 1,
  note: row.note,
});

/** The record of what was published, so a schedule never publishes an issue twice. */
export class Publications {
  readonly #sql: Sql;
  readonly #now: () => Date;
  readonly #tell: LedgerChanges | undefined;
  /** `tell` hears of each publication recorded. */
  constructor(sql: Sql, now: () => Date = () => new Date(), tell?: LedgerChanges) {
    this.#sql = sql;
    this.#now = now;
    this.#tell = tell;
  }

  /** The publication of an issue (a date, or `week-YYYY-MM-DD`), if there was one. */
  async get(issue: string): Promise<Publication | undefined> {
    const row = await this.#sql.get<PublicationRow>('SELECT * FROM publications WHERE issue = @issue', { issue });
    return row && toPublication(row);
  }

  /** The most recent publication (of two at the same time, the later issue: a weekly one after its day's). */
  async last(): Promise<Publication | undefined> {
    const row = await this.#sql.get<PublicationRow>('SELECT * FROM publications ORDER BY published_at DESC, issue DESC LIMIT 1');
    return row && toPublication(row);
  }

  /** Records a publication (again, if it is forced). */
  async record(issue: string, mailed: boolean, note: string, at: Date = this.#now()): Promise<void> {
    const publishedAt = at.toISOString();
    await this.#sql.transaction(async () => {
      await this.#sql.run(
        `INSERT INTO publications (issue, published_at, mailed, note) VALUES (@issue, @publishedAt, @mailed, @note)
         ON CONFLICT (issue) DO UPDATE SET published_at = excluded.published_at, mailed = excluded.mailed, note = excluded.note`,
        { issue, publishedAt, mailed: mailed ? 1 : 0, note },
      );
      await this.#tell?.({ type: 'published', publication: { issue, publishedAt, mailed, note } });
    });
  }
}
