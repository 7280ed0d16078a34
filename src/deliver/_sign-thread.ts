import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { PaperboyError } from '../errors.ts';
import { startWorker } from '../workers.ts';
import type { SigningKey } from './_dkim-fields.ts';

/**
 * A message to sign: request number, `t=`, its parts as shared part numbers or, when negative,
 * the length of the next run of its own bytes, and those bytes as latin1.
 */
export type ToSign = [id: number, time: number, layout: number[], rest: string];
/** What a signing thread is told: a shared part (its number and bytes), that one is no longer used, or messages to sign. */
export type Request = ['part', number, ArrayBuffer] | ['forget', number] | ['sign', ToSign[]];
/** Each message's fields, or why it could not be signed. */
export type Reply = [id: number, fields: string | undefined, error?: string][];

// Parts this large are the ones copies share (a template's text and markup): each is sent to the
// threads once. Smaller ones (a subscriber's address and links) go with every message.
const SHARED_FROM = 512;
// Signing threads sit a few steps behind the event loop in the scheduler's eyes.
const NICENESS = 10;

/**
 * The threads that make DKIM signatures, started on the first message: a signature costs about a
 * millisecond of processor time, and making it off the event loop, with the time left over,
 * keeps composing, sending and the web server moving. One thread per spare core (one at least,
 * four at most), taking messages in turn. They do not keep the process alive while idle.
 */
export class SigningThreads {
  readonly #keys: readonly SigningKey[];
  #workers: Worker[] = [];
  readonly #waiting = new Map<number, { resolve: (fields: string) => void; reject: (error: Error) => void }>();
  #partIds = new WeakMap<Buffer, number>();
  // When a shared part is collected here, the threads drop their copy.
  readonly #released = new FinalizationRegistry<number>((id) => this.#tell(['forget', id]));
  #nextPart = 0;
  #nextRequest = 0;
  // Messages to sign are handed over in batches, once per turn of the event loop: a message
  // between threads costs more than a signature's data.
  readonly #batches = new Map<Worker, ToSign[]>();
  #flushing: NodeJS.Immediate | undefined;

  constructor(keys: readonly SigningKey[]) {
    this.#keys = keys;
  }

  #tell(request: Request): void {
    for (const worker of this.#workers) worker.postMessage(request);
  }

  #start(): Worker[] {
    if (this.#workers.length > 0) return this.#workers;
    const keys = this.#keys.map(({ selector, domain, algorithm, privateKey }) => ({ selector, domain, algorithm, privateKey }));
    const count = Math.max(1, Math.min(4, availableParallelism() - 1));
    for (let n = 0; n < count; n++) {
      const worker = startWorker(import.meta.url, '_sign-worker', { workerData: { keys, niceness: NICENESS } });
      worker.unref();
      worker.on('message', (replies: Reply) => {
        for (const [id, fields, error] of replies) this.#settle(id, fields, error);
      });
      worker.on('error', (error) => this.#fail(worker, `failed: ${error.message}`));
      worker.on('exit', (code) => this.#fail(worker, `stopped (exit code ${code})`));
      this.#workers.push(worker);
    }
    return this.#workers;
  }

  #settle(id: number, fields: string | undefined, error: string | undefined): void {
    const waiting = this.#waiting.get(id);
    this.#waiting.delete(id);
    if (this.#waiting.size === 0) for (const worker of this.#workers) worker.unref();
    if (fields === undefined) waiting?.reject(new PaperboyError(`DKIM: signing failed: ${error ?? 'no reason given'}`));
    else waiting?.resolve(fields);
  }

  // A thread that fails or stops takes every message waiting with it; the next message starts
  // them anew, and sends them the shared parts again.
  #fail(worker: Worker, why: string): void {
    if (!this.#workers.includes(worker)) return;
    const workers = this.#stop();
    for (const other of workers) void other.terminate();
    for (const { reject } of this.#waiting.values()) reject(new PaperboyError(`DKIM: the signing thread ${why}`));
    this.#waiting.clear();
  }

  // The number of a shared part, sent to the threads the first time it is seen.
  #partId(part: Buffer): number {
    let id = this.#partIds.get(part);
    if (id === undefined) {
      id = this.#nextPart++;
      this.#partIds.set(part, id);
      this.#released.register(part, id);
      for (const worker of this.#workers) {
        const copy = new Uint8Array(part).buffer;
        worker.postMessage(['part', id, copy], [copy]);
      }
    }
    return id;
  }

  /** The DKIM-Signature fields for a message given as its parts, `t=` being `time`. */
  sign(parts: readonly Buffer[], time: number): Promise<string> {
    const workers = this.#start();
    const layout: number[] = [];
    let rest = '';
    for (const part of parts) {
      if (part.length >= SHARED_FROM) {
        layout.push(this.#partId(part));
      } else if (part.length > 0) {
        layout.push(-part.length);
        rest += part.toString('latin1');
      }
    }
    const id = this.#nextRequest++;
    const worker = workers[id % workers.length] as Worker;
    return new Promise((resolve, reject) => {
      this.#waiting.set(id, { resolve, reject });
      for (const w of workers) w.ref();
      const batch = this.#batches.get(worker);
      if (batch) batch.push([id, time, layout, rest]);
      else this.#batches.set(worker, [[id, time, layout, rest]]);
      this.#flushing ??= setImmediate(() => this.#flush());
    });
  }

  #flush(): void {
    this.#flushing = undefined;
    for (const [worker, batch] of this.#batches) if (this.#workers.includes(worker)) worker.postMessage(['sign', batch] satisfies Request);
    this.#batches.clear();
  }

  #stop(): Worker[] {
    const workers = this.#workers;
    this.#workers = [];
    this.#batches.clear();
    this.#partIds = new WeakMap();
    return workers;
  }

  async close(): Promise<void> {
    const workers = this.#stop();
    for (const { reject } of this.#waiting.values()) reject(new PaperboyError('DKIM: the signer was closed before it signed'));
    this.#waiting.clear();
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}
