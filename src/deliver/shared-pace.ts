import { setTimeout as sleep } from 'node:timers/promises';
import type { SendBudgets } from '../ledger/index.ts';

/** A rate several senders keep together: messages a second, and the recipient domains it holds for (none: every message). */
export interface SharedRate {
  name: string;
  perSecond: number;
  domains: readonly string[];
}

/**
 * One sender's share of a budget every sender keeps together: it reserves `chunk` slots at a time
 * from the database and waits, message by message, for the next one of them (the database's clock
 * read once per reservation, this process's monotonic one in between).
 */
export class SharedPace {
  readonly #budgets: SendBudgets;
  readonly #rate: SharedRate;
  readonly #chunk: number;
  readonly #slots: number[] = [];
  #refilling: Promise<void> | undefined;

  constructor(budgets: SendBudgets, rate: SharedRate, chunk: number) {
    this.#budgets = budgets;
    this.#rate = rate;
    this.#chunk = Math.max(1, chunk);
  }

  /** Whether the budget holds for mail to `address`. */
  covers(address: string): boolean {
    if (this.#rate.domains.length === 0) return true;
    const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
    return this.#rate.domains.includes(domain);
  }

  /** Resolves at this sender's next slot. */
  async wait(): Promise<void> {
    while (this.#slots.length === 0) {
      this.#refilling ??= this.#refill().finally(() => (this.#refilling = undefined));
      await this.#refilling;
    }
    const at = this.#slots.shift() as number;
    const wait = at - performance.now();
    if (wait > 0) await sleep(wait);
  }

  async #refill(): Promise<void> {
    const interval = 1000 / this.#rate.perSecond;
    const asked = performance.now();
    const { firstAt, nowAt } = await this.#budgets.reserve(this.#rate.name, this.#chunk, interval);
    // The database's time of the first slot, on this process's clock (from when it was asked: never early).
    const first = asked + (firstAt - nowAt);
    for (let i = 0; i < this.#chunk; i++) this.#slots.push(first + i * interval);
  }
}
