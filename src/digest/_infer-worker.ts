import { parentPort, workerData } from 'node:worker_threads';
import type { InferenceReply, InferenceWork } from './_infer-thread.ts';
import { inferredTags, taggerFor, teachersBefore } from './topics.ts';

// The thread behind `inferOnThread`: each month's tagger learned from the tagged digests before
// it, asked about the month's digests; one answer.
const { teaching, months } = workerData as InferenceWork;
let reply: InferenceReply;
try {
  const tags: (string[] | undefined)[][] = [];
  for (const [month, digests] of months) {
    const tagger = taggerFor(teachersBefore(teaching, month));
    for (const digest of digests) tags.push(inferredTags(digest, tagger));
  }
  reply = { tags };
} catch (error) {
  reply = { error: error instanceof Error ? error.message : String(error) };
}
parentPort?.postMessage(reply);
