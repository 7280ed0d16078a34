import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { signatureFields, type SigningKey } from './_dkim-fields.ts';
import type { Reply, Request } from './_sign-thread.ts';

// A signing thread: the shared parts of messages come once, each message as the numbers of its
// shared parts and the bytes of the rest; its DKIM-Signature fields go back. It asks to run behind
// the event loop, so that signatures take the processor time composing and sending leave over.
const { keys, niceness } = workerData as { keys: SigningKey[]; niceness: number };
const shared = new Map<number, Buffer>();

try {
  // On Linux a thread has an id of its own, and its priority is its own to lower.
  setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), niceness);
} catch {
  // Elsewhere the thread keeps the process's priority.
}

function partsOf(layout: readonly number[], rest: string): Buffer[] {
  const parts: Buffer[] = [];
  let at = 0;
  for (const entry of layout) {
    if (entry >= 0) {
      const part = shared.get(entry);
      if (part === undefined) throw new Error(`no shared part number ${entry}`);
      parts.push(part);
    } else {
      parts.push(Buffer.from(rest.slice(at, at - entry), 'latin1'));
      at -= entry;
    }
  }
  return parts;
}

parentPort?.on('message', (request: Request) => {
  if (request[0] === 'part') {
    shared.set(request[1], Buffer.from(request[2]));
  } else if (request[0] === 'forget') {
    shared.delete(request[1]);
  } else {
    const replies: Reply = [];
    for (const [id, time, layout, rest] of request[1]) {
      try {
        replies.push([id, signatureFields(keys, partsOf(layout, rest), time)]);
      } catch (error) {
        replies.push([id, undefined, (error as Error).message]);
      }
    }
    parentPort?.postMessage(replies);
  }
});
