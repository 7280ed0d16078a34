import { parentPort, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import { writeFileAtomic } from './_write.ts';

// The thread behind a threaded writer: batches of files in, one summary out when told to finish.
// Once the writer raises `stopping`, the batches still queued are dropped, a file at a time.
const { root, stopping } = workerData as { root: string; stopping: Int32Array };
const written: string[] = [];
let unchanged = 0;
let failure: string | undefined;

parentPort?.on('message', (batch: [string, string | Uint8Array][] | null) => {
  if (batch === null) {
    parentPort?.postMessage(failure === undefined ? { written: written.sort(), unchanged } : { error: failure });
    return;
  }
  for (const [path, content] of batch) {
    if (failure !== undefined || Atomics.load(stopping, 0) === 1) return;
    try {
      if (writeFileAtomic(join(root, path), content)) written.push(path);
      else unchanged++;
    } catch (error) {
      failure = (error as Error).message;
    }
  }
});
