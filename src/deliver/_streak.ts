import type { SendError } from './transport.ts';

/** A permanent failure not yet judged: the recipient's, or the relay's. */
export interface PendingFailure<T> {
  delivery: T;
  error: SendError;
}

// The reply as the relay would give it to anyone: addresses and message ids taken out.
function shapeOf(reply: string): string {
  return reply
    .toLowerCase()
    .replace(/<[^>]*>/g, '<>')
    .replace(/[^\s<>"']+@[^\s<>"']+/g, '@')
    .replace(/\b[0-9a-f-]*\d[0-9a-f-]{7,}\b/g, '#')
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * Tells a recipient's permanent failure from a relay that refuses everyone. Permanent failures are
 * held until something shows which they are: a delivery that goes through, or a different reply,
 * means they were the recipients' own; the same reply `limit` times in a row (or for every
 * delivery of a run that sent nothing) is the relay's, and counts against nobody.
 */
export class FailureStreak<T> {
  readonly #limit: number;
  #shape = '';
  #pending: PendingFailure<T>[] = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** A delivery went through: what was held is the recipients' own. */
  success(): PendingFailure<T>[] {
    return this.#take();
  }

  /**
   * Holds a permanent failure. Gives back the failures now known to be the recipients' own, and
   * `relay` with the held ones once the same reply came `limit` times in a row.
   */
  fail(failure: PendingFailure<T>): { theirs: PendingFailure<T>[]; relay?: PendingFailure<T>[] } {
    const shape = shapeOf(failure.error.reply);
    const theirs = shape === this.#shape ? [] : this.#take();
    this.#shape = shape;
    this.#pending.push(failure);
    return this.#pending.length >= this.#limit ? { theirs, relay: this.#take() } : { theirs };
  }

  /** The end of a run: held failures are the relay's when nothing at all went through and several share the reply. */
  end(anySent: boolean): { theirs: PendingFailure<T>[]; relay?: PendingFailure<T>[] } {
    if (!anySent && this.#pending.length >= 2) return { theirs: [], relay: this.#take() };
    return { theirs: this.#take() };
  }

  #take(): PendingFailure<T>[] {
    const taken = this.#pending;
    this.#pending = [];
    this.#shape = '';
    return taken;
  }
}
