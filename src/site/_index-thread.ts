import type { Worker } from 'node:worker_threads';
import { PaperboyError } from '../errors.ts';
import { startWorker } from '../workers.ts';

/** One paper as the search index takes it: where it is, its words, what a result shows. */
export interface SearchRecord {
  url: string;
  content: string;
  meta: Record<string, string>;
}

/** What an indexing thread is asked: a period's index, to load the indexer, or to stop its process. */
export type IndexRequest =
  | { id: number; period: string; language: string; records: SearchRecord[] }
  | { id: number; close: true }
  | { id: number; warm: true };

/** What it answers: the index's files, by path under its folder, or the first error. */
export type IndexReply = { id: number; files?: [string, Uint8Array][]; error?: string };

type Waiter = { resolve: (files: [string, Uint8Array][]) => void; reject: (error: Error) => void; records: number };

/**
 * An indexing thread and the indexer's process behind it. Pagefind makes one index at a time in a
 * process, on about one core: a build of many periods (every issue) indexes them in two, side by side.
 */
interface Lane {
  worker: Worker;
  waiting: Map<number, Waiter>;
}

// At most this many lanes: the machine's two cores (the indexer's own threads share them).
const LANES = 2;
const lanes: Lane[] = [];
let asked = 0;

// Started when needed, and kept up between builds like the indexer's process behind it; a lane
// keeps the program alive only while an answer is awaited.
function startLane(): Lane {
  const worker = startWorker(import.meta.url, '_index-worker', {}, ['pagefind']);
  worker.unref();
  const lane: Lane = { worker, waiting: new Map() };
  const fail = (error: Error) => {
    const at = lanes.indexOf(lane);
    if (at !== -1) lanes.splice(at, 1);
    for (const waiter of lane.waiting.values()) waiter.reject(error);
    lane.waiting.clear();
  };
  worker.on('message', (reply: IndexReply) => {
    const waiter = lane.waiting.get(reply.id);
    lane.waiting.delete(reply.id);
    if (lane.waiting.size === 0) worker.unref();
    if (reply.error !== undefined) waiter?.reject(new PaperboyError(reply.error));
    else waiter?.resolve(reply.files ?? []);
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new PaperboyError(`search index: the indexing thread stopped (exit code ${code})`)));
  lanes.push(lane);
  return lane;
}

const load = (lane: Lane) => [...lane.waiting.values()].reduce((sum, waiter) => sum + waiter.records, 0);

// The lane with the fewest records still to index; a second one is started when the first is busy.
function laneFor(records: number): Lane {
  const idle = lanes.find((lane) => lane.waiting.size === 0);
  if (idle) return idle;
  if (lanes.length < LANES && records > 0) return startLane();
  return lanes.reduce<Lane | undefined>((best, lane) => (best && load(best) <= load(lane) ? best : lane), undefined) ?? startLane();
}

type Question = Omit<Extract<IndexRequest, { records: unknown }>, 'id'> | { close: true } | { warm: true };

function ask(lane: Lane, request: Question, records = 0): Promise<[string, Uint8Array][]> {
  const id = ++asked;
  return new Promise((resolve, reject) => {
    lane.waiting.set(id, { resolve, reject, records });
    lane.worker.ref();
    lane.worker.postMessage({ ...request, id });
  });
}

/** A period's index made by an indexer's process, through its indexing thread: its files, by path under its folder. */
export function indexRecords(period: string, language: string, records: SearchRecord[]): Promise<[string, Uint8Array][]> {
  return ask(laneFor(records.length), { period, language, records }, records.length);
}

/**
 * Starts `count` lanes (at most two) ahead of a build's first index, so that the indexer loads while
 * the build reads its digests.
 */
export function warmIndexThreads(count: number): void {
  while (lanes.length < Math.min(count, LANES)) {
    // A failure here is said again by the first index asked for.
    ask(startLane(), { warm: true }).catch(() => undefined);
  }
}

/** Stops the indexers' processes and their threads, when they were started. */
export async function closeIndexThreads(): Promise<void> {
  const closing = lanes.splice(0).map(async (lane) => {
    try {
      await ask(lane, { close: true });
    } finally {
      await lane.worker.terminate();
    }
  });
  await Promise.all(closing);
}
