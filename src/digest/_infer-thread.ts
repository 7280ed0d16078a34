import { PaperboyError } from '../errors.ts';
import { startWorker } from '../workers.ts';
import type { Digest, TaughtDigest } from './model.ts';
import type { DigestReading } from './parse.ts';

/** What the inference thread is given: the folder's tagged digests, oldest first, and the months to infer. */
export interface InferenceWork {
  teaching: TaughtDigest[];
  months: [month: string, digests: TaughtDigest[]][];
}

/** What it answers: for each digest of the months, in order, each paper's inferred topics (none for a tagged paper). */
export type InferenceReply = { tags: (string[] | undefined)[][] } | { error: string };

// What a tagger reads of a digest: all the thread is sent.
const taught = (digest: Digest): TaughtDigest => ({
  date: digest.date,
  papers: digest.papers.map(({ arxivId, title, summary, tags, tagsInferred }) =>
    tagsInferred ? { arxivId, title, summary, tags, tagsInferred } : { arxivId, title, summary, tags },
  ),
});

/**
 * Infers, on a thread of its own, the topics of the digests of some months, each month's learned
 * from the tagged digests of `teaching` before it (as `folderInference` does on this thread).
 */
export async function inferOnThread(
  teaching: readonly Digest[],
  months: [string, readonly DigestReading[]][],
): Promise<(string[] | undefined)[][]> {
  const work: InferenceWork = {
    teaching: teaching.map(taught),
    months: months.map(([month, readings]) => [month, readings.map((r) => taught(r.digest))]),
  };
  const worker = startWorker(import.meta.url, '_infer-worker', { workerData: work });
  try {
    return await new Promise((resolve, reject) => {
      worker.on('message', (reply: InferenceReply) =>
        'error' in reply ? reject(new PaperboyError(`inferring topics: ${reply.error}`)) : resolve(reply.tags),
      );
      worker.on('error', reject);
      worker.on('exit', (code) => reject(new PaperboyError(`inferring topics: the thread stopped (exit code ${code})`)));
    });
  } finally {
    await worker.terminate();
  }
}
