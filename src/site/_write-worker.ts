import { parentPort, workerData } from 'node:worker_threads';
import { join } from 'node:path';
import { writeFileAtomic } from './_write.ts';

// The thread behind a threaded writer: batches of files in, one summary out when told to finish.
const { root } = workerData as { root: string };
const written: string[] = [];
let unchanged = 0;
let failure: string | undefined;

parentPort?.on('message', (batch: [string, string | Uint8Array][] | null) => {
  if (batch === null) {
    parentPort?.postMessage(failure === undefined ? { written: written.sort(), unchanged } : { error: failure });
    return;
  }
  for (const [path, content] of batch) {
    if (failure !== undefined) return;
    try {
      if (writeFileAtomic(join(root, path), content)) written.push(path);
      else unchanged++;
    } catch (error) {
      failure = (error as Error).message;
    }
  }
});
