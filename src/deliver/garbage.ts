import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// What a sender's messages may leave to the collector, in the heap and in buffers outside it,
// before it asks for a collection. V8 alone lets buffers pile up to 64 MB and the heap to several
// times what it keeps alive, more of both the faster the relay takes mail.
const BUDGET_BYTES = 24 * 1024 * 1024;

// How many messages between two looks at the memory (a look reads the process's figures).
const LOOK_EVERY = 256;

let collect: (() => void) | undefined;

// V8's own full collection, asked for by name: the flag that names it may be set once running.
function collector(): () => void {
  if (collect === undefined) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  return collect;
}

const leftBehind = (): number => {
  const memory = process.memoryUsage();
  return memory.heapUsed + memory.arrayBuffers;
};

/**
 * Bounds what a sender's messages leave behind, whatever the pace of the relay and the size of the
 * list: every few hundred messages it looks at the heap and the buffers outside it, and past a
 * budget above what the last collection kept, it collects (a few tens of milliseconds).
 */
export class GarbageBudget {
  #messages = 0;
  #kept = leftBehind();
  #collected = false;

  /** Told after each message. */
  tick(): void {
    if (++this.#messages % LOOK_EVERY !== 0) return;
    // What a collection kept is read at the next look: buffers are freed after it returns.
    if (this.#collected) {
      this.#collected = false;
      this.#kept = leftBehind();
      return;
    }
    if (leftBehind() - this.#kept < BUDGET_BYTES) return;
    collector()();
    this.#collected = true;
  }
}
