import type { Db } from '../db/index.ts';
import type { LedgerChanges } from './rounds.ts';

/** An issue that was published: mailed, or deliberately not (empty, late), and when. */
export interface Publication {
  issue: string;
  publishedAt: string;
  mailed: boolean;
  note: string;
}

/** The record of what was published, so a schedule never publishes an issue twice. */
export class Publications {
  readonly #db: Db;
  readonly #now: () => Date;
  readonly #tell: LedgerChanges | undefined;
  /** `tell` hears of each publication recorded. */
  constructor(db: Db, now: () => Date = () => new Date(), tell?: LedgerChanges) {
    this.#db = db;
    this.#now = now;
    this.#tell = tell;
  }

  /** The publication of an issue (a date, or `week-YYYY-MM-DD`), if there was one. */
  get(issue: string): Publication | undefined {
    const row = this.#db
      .prepare<[string], { issue: string; published_at: string; mailed: number; note: string }>(
        'SELECT * FROM publications WHERE issue = ?',
      )
      .get(issue);
    return row && { issue: row.issue, publishedAt: row.published_at, mailed: row.mailed === 1, note: row.note };
  }

  /** The most recent publication. */
  last(): Publication | undefined {
    const row = this.#db
      .prepare<[], { issue: string; published_at: string; mailed: number; note: string }>(
        'SELECT * FROM publications ORDER BY published_at DESC LIMIT 1',
      )
      .get();
    return row && { issue: row.issue, publishedAt: row.published_at, mailed: row.mailed === 1, note: row.note };
  }

  /** Records a publication (again, if it is forced). */
  record(issue: string, mailed: boolean, note: string, at: Date = this.#now()): void {
    this.#db.transaction(() => {
      this.#db
        .prepare('INSERT OR REPLACE INTO publications (issue, published_at, mailed, note) VALUES (?, ?, ?, ?)')
        .run(issue, at.toISOString(), mailed ? 1 : 0, note);
      this.#tell?.({ type: 'published', publication: { issue, publishedAt: at.toISOString(), mailed, note } });
    })();
  }
}
