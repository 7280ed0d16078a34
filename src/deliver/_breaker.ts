import type { SendError } from './transport.ts';

/** A recipient's refusal not yet judged: their own, or the relay's. */
export interface HeldFailure<T> {
  delivery: T;
  error: SendError;
}

/** Held refusals once judged: the recipients' own, and the relay's (counted against nobody). */
export interface Verdict<T> {
  theirs: HeldFailure<T>[];
  relay: HeldFailure<T>[];
}

/**
 * The failure-rate breaker of a dispatch: it trips when more than half of the last `size`
 * attempts failed, whatever the replies said (relays vary their words per message). A refusal
 * that names the recipient's mailbox is held until the attempts around it show whose it is: once
 * `size` more attempts went by without the breaker tripping, it is the recipient's own; when the
 * breaker trips, everything held is the relay's, and counts against nobody.
 */
export class FailureBreaker<T> {
  readonly #size: number;
  readonly #recent: boolean[] = [];
  #failures = 0;
  #attempts = 0;
  #tripped = false;
  #held: { failure: HeldFailure<T>; at: number }[] = [];

  constructor(size: number) {
    this.#size = size;
  }

  /** Whether more than half of the last attempts failed (it stays tripped). */
  get tripped(): boolean {
    return this.#tripped;
  }

  /** The share of the last attempts that failed, as `failed/of`. */
  get recent(): { failed: number; of: number } {
    return { failed: this.#failures, of: this.#recent.length };
  }

  /** Counts one attempt, and gives back the held refusals it lets judge. */
  attempt(failed: boolean): Verdict<T> {
    this.#attempts++;
    this.#recent.push(failed);
    if (failed) this.#failures++;
    if (this.#recent.length > this.#size && this.#recent.shift() === true) this.#failures--;
    if (this.#failures * 2 > this.#size) this.#tripped = true;
    return this.#judge();
  }

  /** Holds a recipient's refusal (its attempt already counted) until it can be judged. */
  hold(failure: HeldFailure<T>): Verdict<T> {
    this.#held.push({ failure, at: this.#attempts });
    return this.#judge();
  }

  /**
   * The end of a run: what is still held is the recipients' own, unless the breaker tripped, or
   * nothing at all went through and several were refused.
   */
  end(anySent: boolean): Verdict<T> {
    const held = this.#held.map((h) => h.failure);
    this.#held = [];
    if (this.#tripped || (!anySent && held.length >= 2)) return { theirs: [], relay: held };
    return { theirs: held, relay: [] };
  }

  #judge(): Verdict<T> {
    if (this.#tripped) {
      const relay = this.#held.map((h) => h.failure);
      this.#held = [];
      return { theirs: [], relay };
    }
    const theirs: HeldFailure<T>[] = [];
    for (let first = this.#held[0]; first !== undefined && this.#attempts - first.at >= this.#size; first = this.#held[0]) {
      theirs.push(first.failure);
      this.#held.shift();
    }
    return { theirs, relay: [] };
  }
}
