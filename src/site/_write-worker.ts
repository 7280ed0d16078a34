import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { writePut, type Put } from './_write.ts';

// The thread behind a threaded writer: batches of files in, one summary out when told to finish.
// Other threads may write through ports of their own (`{ port }`), each ended by a null; the
// summary waits for every port to end. Once the writer raises `stopping`, the batches still queued
// are dropped, a file at a time, and the summary is sent at once.
const { root, stopping } = workerData as { root: string; stopping: Int32Array };
const written: string[] = [];
let unchanged = 0;
let failure: string | undefined;
let openPorts = 0;
let finishing = false;

type Batch = Put[];

function write(batch: Batch): void {
  for (const put of batch) {
    if (failure !== undefined || Atomics.load(stopping, 0) === 1) return;
    try {
      if (writePut(root, put)) written.push(put[0]);
      else unchanged++;
    } catch (error) {
      failure = (error as Error).message;
    }
  }
}

function finishWhenDone(): void {
  if (!finishing || (openPorts > 0 && Atomics.load(stopping, 0) !== 1)) return;
  finishing = false;
  parentPort?.postMessage(failure === undefined ? { written: written.sort(), unchanged } : { error: failure });
}

parentPort?.on('message', (message: Batch | { port: MessagePort } | null) => {
  if (message === null) {
    finishing = true;
    return finishWhenDone();
  }
  if (Array.isArray(message)) return write(message);
  const { port } = message;
  openPorts++;
  port.on('message', (batch: Batch | null) => {
    if (batch !== null) return write(batch);
    port.close();
    openPorts--;
    finishWhenDone();
  });
});
