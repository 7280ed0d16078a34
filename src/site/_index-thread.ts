import type { Worker } from 'node:worker_threads';
import { PaperboyError } from '../errors.ts';
import { startWorker } from '../workers.ts';

/** What the indexing thread is asked: a period's index, or to stop the indexer's process. */
/** One paper as the search index takes it: where it is, its words, what a result shows. */
export interface SearchRecord {
  url: string;
  content: string;
  meta: Record<string, string>;
}

export type IndexRequest = { id: number; period: string; language: string; records: SearchRecord[] } | { id: number; close: true };

/** What it answers: the index's files, by path under its folder, or the first error. */
export type IndexReply = { id: number; files?: [string, Uint8Array][]; error?: string };

type Waiter = { resolve: (files: [string, Uint8Array][]) => void; reject: (error: Error) => void };

let thread: Worker | undefined;
const waiting = new Map<number, Waiter>();
let asked = 0;

// Started on first use, and kept up between builds like the indexer's process behind it; it keeps
// the program alive only while an answer is awaited.
function started(): Worker {
  if (thread) return thread;
  const worker = startWorker(import.meta.url, '_index-worker', {}, ['pagefind']);
  worker.unref();
  const fail = (error: Error) => {
    if (thread === worker) thread = undefined;
    for (const waiter of waiting.values()) waiter.reject(error);
    waiting.clear();
  };
  worker.on('message', (reply: IndexReply) => {
    const waiter = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (waiting.size === 0) worker.unref();
    if (reply.error !== undefined) waiter?.reject(new PaperboyError(reply.error));
    else waiter?.resolve(reply.files ?? []);
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new PaperboyError(`search index: the indexing thread stopped (exit code ${code})`)));
  thread = worker;
  return worker;
}

function ask(request: Omit<Extract<IndexRequest, { records: unknown }>, 'id'> | { close: true }): Promise<[string, Uint8Array][]> {
  const worker = started();
  const id = ++asked;
  return new Promise((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    worker.ref();
    worker.postMessage({ ...request, id });
  });
}

/** A period's index made by the indexer's process, through the indexing thread: its files, by path under its folder. */
export function indexRecords(period: string, language: string, records: SearchRecord[]): Promise<[string, Uint8Array][]> {
  return ask({ period, language, records });
}

/** Stops the indexer's process and the thread, when they were started. */
export async function closeIndexThread(): Promise<void> {
  const worker = thread;
  if (!worker) return;
  try {
    await ask({ close: true });
  } finally {
    thread = undefined;
    await worker.terminate();
  }
}
