import { nowMsOf, type Sql } from '../db/index.ts';

/** Slots reserved in a shared sending budget: the first one's time and the database's time then, both in epoch ms. */
export interface Reserved {
  firstAt: number;
  nowAt: number;
}

/**
 * Sending budgets every sender of a database shares (the relay's rate, a domain's): a row per
 * budget holds the time of its next free slot, by the database's clock; a sender reserves a few
 * slots at once, spaced `intervalMs` apart, in one statement.
 */
export class SendBudgets {
  readonly #sql: Sql;
  readonly #known = new Set<string>();

  constructor(sql: Sql) {
    this.#sql = sql;
  }

  /** Reserves `count` slots of the budget `name`, `intervalMs` apart, from its next free one (or now). */
  async reserve(name: string, count: number, intervalMs: number): Promise<Reserved> {
    if (!this.#known.has(name)) {
      await this.#sql.run('INSERT INTO send_budgets (name, next_at) VALUES (@name, 0) ON CONFLICT (name) DO NOTHING', { name });
      this.#known.add(name);
    }
    const postgres = this.#sql.dialect === 'postgres';
    const now = nowMsOf(this.#sql);
    const span = Math.max(0, Math.round(count * intervalMs));
    const row = await this.#sql.get<{ first_at: number; now_at: number }>(
      `UPDATE send_budgets SET next_at = ${postgres ? 'GREATEST' : 'MAX'}(next_at, ${now}) + @span WHERE name = @name
       RETURNING next_at - @span AS first_at, ${now} AS now_at`,
      { name, span, nowMs: Date.now() },
    );
    return { firstAt: row?.first_at ?? Date.now(), nowAt: row?.now_at ?? Date.now() };
  }
}
