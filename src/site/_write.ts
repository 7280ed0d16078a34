import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { PaperboyError } from '../errors.ts';
import { temporaryPath, writeError } from '../files.ts';
import { startWorker } from '../workers.ts';

/**
 * Writes a file whole: a temporary file beside it, then a rename, so a reader sees the old file or
 * the new one and never half of it. An unchanged file is left alone (its mtime and ETag hold).
 * Returns whether the file was written. Synchronous: a build writes thousands of small files,
 * and the promise machinery costs more than the writes.
 */
export function writeFileAtomic(path: string, text: string | Uint8Array): boolean {
  let current: Buffer | undefined;
  try {
    current = readFileSync(path);
  } catch {
    // A new file.
  }
  // Encoded once, to compare and to write: a changed file most often has another length.
  const content = typeof text === 'string' ? Buffer.from(text) : text;
  if (current?.equals(content)) return false;
  const temporary = temporaryPath(path);
  try {
    writeMakingFolder(temporary, content);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error instanceof FolderError ? error.reason : writeError(path, error);
  }
  return true;
}

/**
 * Writes a chunk: a file named after its content that no reader reaches before a file written after
 * it names it (a search index's fragments and indexes). It is written in place, without a temporary
 * file and a rename: a chunk cut short by a killed build has fewer bytes than its name promises, and
 * is written again by the next (see `chunkThere`).
 */
export function writeChunk(path: string, content: Uint8Array): void {
  try {
    writeMakingFolder(path, content);
  } catch (error) {
    throw error instanceof FolderError ? error.reason : writeError(path, error);
  }
}

// Writes a file, and makes its folder when writing finds none: most folders are there already.
function writeMakingFolder(path: string, content: string | Uint8Array): void {
  try {
    writeFileSync(path, content);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    makeFolder(dirname(path));
    writeFileSync(path, content);
  }
}

/** Whether a chunk (see `writeChunk`) is there whole: a file of its name with its bytes' length. */
export function chunkThere(path: string, content: Uint8Array): boolean {
  return statSync(path, { throwIfNoEntry: false })?.size === content.byteLength;
}

/** One file for a writer: its path under the root, its content, and whether it is a chunk (see `writeChunk`). */
export type Put = [path: string, content: string | Uint8Array, chunk?: true];

/** Writes one file handed to a writer; whether it was written (an unchanged file, a chunk already there whole, is left alone). */
export function writePut(root: string, [path, content, chunk]: Put): boolean {
  if (!chunk || typeof content === 'string') return writeFileAtomic(join(root, path), content);
  if (chunkThere(join(root, path), content)) return false;
  writeChunk(join(root, path), content);
  return true;
}

// A folder that could not be made: the error names the folder, not the file.
class FolderError extends Error {
  constructor(readonly reason: PaperboyError) {
    super(reason.message);
  }
}

function makeFolder(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (error) {
    throw new FolderError(writeError(dir, error));
  }
}

/** Files handed over while the build renders. */
export interface Writer {
  put(path: string, content: string | Uint8Array): void;
  /** A chunk, written in place (see `writeChunk`) unless it is there whole (`chunkThere`). */
  putChunk(path: string, content: Uint8Array): void;
  /** Writes whatever is still pending; resolves to the paths written (unchanged ones are not). */
  done(): Promise<{ written: string[]; unchanged: number }>;
  /** Drops what is still pending and stops the writer (its thread, if any); a no-op once `done` settled. */
  abort(): Promise<void>;
}

/** A writer that keeps every file in memory and writes them all at the end, on this thread. */
export function createWriter(root: string): Writer {
  const pending = new Map<string, Put>();
  return {
    put(path, content) {
      pending.set(path, [path, content]);
    },
    putChunk(path, content) {
      pending.set(path, [path, content, true]);
    },
    async done() {
      const written: string[] = [];
      for (const [path, put] of pending) if (writePut(root, put)) written.push(path);
      return { written: written.sort(), unchanged: pending.size - written.length };
    },
    async abort() {
      pending.clear();
    },
  };
}

type Summary = { written: string[]; unchanged: number };

/** A writer whose files a thread of its own writes, which other threads can write through too. */
export interface ThreadedWriter extends Writer {
  /**
   * A port for another thread to hand files to this writer: batches of `Put`s, then null when it
   * has no more. `done` waits for every port's null.
   */
  port(): MessagePort;
}

/**
 * A writer for large builds: files go, in batches, to a thread of their own that writes them while
 * this one goes on rendering. Writing thousands of files is mostly waiting on the disk.
 */
export function createThreadedWriter(root: string, batchSize = 50): ThreadedWriter {
  // Raised to make the thread drop the batches still queued: it stops between two files, never
  // between a temporary file and its rename.
  const stopping = new Int32Array(new SharedArrayBuffer(4));
  const worker = startWorker(import.meta.url, '_write-worker', { workerData: { root, stopping } });
  let batch: Put[] = [];
  const result = new Promise<Summary>((resolve, reject) => {
    worker.on('message', (reply: Summary | { error: string }) =>
      'error' in reply ? reject(new PaperboyError(reply.error)) : resolve(reply),
    );
    worker.on('error', reject);
    worker.on('exit', (code) => reject(new PaperboyError(`writing ${root}: the writer thread stopped (exit code ${code})`)));
  });
  result.catch(() => undefined);
  let ended: Promise<void> | undefined;
  // Waits for the thread's summary (asked for by `done` or `abort`), then stops the thread, once.
  const end = () =>
    (ended ??= (async () => {
      await result.catch(() => undefined);
      await worker.terminate();
    })());
  const send = () => {
    if (batch.length > 0) worker.postMessage(batch);
    batch = [];
  };
  return {
    port() {
      const { port1, port2 } = new MessageChannel();
      worker.postMessage({ port: port1 }, [port1]);
      return port2;
    },
    put(path, content) {
      batch.push([path, content]);
      if (batch.length >= batchSize) send();
    },
    putChunk(path, content) {
      batch.push([path, content, true]);
      if (batch.length >= batchSize) send();
    },
    async done() {
      send();
      worker.postMessage(null);
      try {
        return await result;
      } finally {
        await end();
      }
    },
    async abort() {
      if (ended) return ended;
      batch = [];
      Atomics.store(stopping, 0, 1);
      worker.postMessage(null);
      await end();
    },
  };
}
