import { countsAgainstRelay } from './refusal.ts';
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

// What one attempt was, as the breaker weighs it: taken, failed for a reason that is the relay's or
// the sender's, or failed for one recipient's own (an unknown address, a full mailbox).
type Outcome = 'sent' | 'failed' | 'theirs';

/**
 * The failure-rate breaker of a dispatch: it trips when more than half of the last `size`
 * attempts failed for a reason that says something about the relay or the sender
 * (`countsAgainstRelay`), whatever the replies' words (relays vary them per message). A recipient's
 * own outcome, such as a full mailbox, never counts toward it: half a list over quota must not keep
 * the other half from its issue. A refusal that names the recipient's mailbox is held until the
 * attempts around it show whose it is: once `size` more attempts went by without the breaker
 * tripping, it is the recipient's own, unless most of those attempts were refused by address too
 * (a relay that calls everyone unknown); when the breaker trips, everything held is the relay's,
 * and counts against nobody.
 */
export class FailureBreaker<T> {
  readonly #size: number;
  readonly #recent: Outcome[] = [];
  #failures = 0;
  #theirs = 0;
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

  /** Whether some refusal is held, not yet judged. */
  get holding(): boolean {
    return this.#held.length > 0;
  }

  /** The share of the last attempts that failed, as `failed/of`. */
  get recent(): { failed: number; of: number } {
    return { failed: this.#failures, of: this.#recent.length };
  }

  /** Counts one attempt (its failure, if it failed), and gives back the held refusals it lets judge. */
  attempt(failure?: Pick<SendError, 'kind' | 'reply'>): Verdict<T> {
    const outcome: Outcome = failure === undefined ? 'sent' : countsAgainstRelay(failure) ? 'failed' : 'theirs';
    this.#attempts++;
    this.#recent.push(outcome);
    this.#count(outcome, 1);
    if (this.#recent.length > this.#size) this.#count(this.#recent.shift() as Outcome, -1);
    if (this.#failures * 2 > this.#size) this.#tripped = true;
    return this.#judge();
  }

  #count(outcome: Outcome, by: number): void {
    if (outcome === 'failed') this.#failures += by;
    if (outcome === 'theirs') this.#theirs += by;
  }

  // Most of a full window refused by address: the relay's doing, not that many recipients'.
  get #refusesEveryone(): boolean {
    return this.#recent.length >= this.#size && this.#theirs * 2 > this.#recent.length;
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
    if (this.#tripped || this.#refusesEveryone || (!anySent && held.length >= 2)) return { theirs: [], relay: held };
    return { theirs: held, relay: [] };
  }

  #judge(): Verdict<T> {
    if (this.#tripped) {
      const relay = this.#held.map((h) => h.failure);
      this.#held = [];
      return { theirs: [], relay };
    }
    const verdict: Verdict<T> = { theirs: [], relay: [] };
    for (let first = this.#held[0]; first !== undefined && this.#attempts - first.at >= this.#size; first = this.#held[0]) {
      (this.#refusesEveryone ? verdict.relay : verdict.theirs).push(first.failure);
      this.#held.shift();
    }
    return verdict;
  }
}
