import { PaperboyError } from '../errors.ts';
import type { IssueView, RenderedEmail } from '../render/index.ts';
import { startWorker } from '../workers.ts';
import type { MessagePort } from 'node:worker_threads';

/** One issue for the thread: its pages' view, its email's view, and whether the email is handed back whole. */
export interface RenderJob {
  date: string;
  pages: IssueView | undefined;
  email: IssueView | undefined;
  keep: boolean;
}

/** What the thread says of an issue's email. */
export interface EmailFacts {
  htmlBytes: number;
  fullPapers: number;
  listedPapers: number;
}

/** What the thread answers: one reply per issue, that it finished, or the first error. */
export type RenderReply = { date: string; email?: EmailFacts; kept?: RenderedEmail | undefined } | { finished: true } | { error: string };

/**
 * Issues rendered and written on a thread of their own, while this one renders the rest of the
 * site: a build of every issue spends most of its time on their pages and emails.
 */
export interface IssueThread {
  /** Resolves once the thread has rendered and written the issue. */
  render(job: RenderJob): Promise<{ email?: EmailFacts; kept?: RenderedEmail | undefined }>;
  /** Resolves once every issue is done and its files handed to the writer. */
  done(): Promise<void>;
  /** Stops the thread; a no-op once `done` settled. */
  abort(): Promise<void>;
}

// The issue thread's young generation, in MB (V8's default is 16 MB a semi-space, 48 MB in all).
const YOUNG_MB = 192;

/**
 * An issue thread handing its files to a writer's `port`, with the templates of `templatesDir` (whose
 * hash is `hash`). It loads them, and MJML, as soon as it starts.
 */
export function startIssueThread(port: MessagePort, templatesDir: string, hash: string): IssueThread {
  const worker = startWorker(import.meta.url, '_render-worker', {
    workerData: { port, templatesDir, hash },
    transferList: [port],
    // Rendering makes many short-lived strings: a larger young generation collects them less often.
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_MB },
  });
  const waiting: { resolve: (reply: RenderReply) => void; reject: (error: Error) => void }[] = [];
  let failure: Error | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    for (const waiter of waiting.splice(0)) waiter.reject(failure);
  };
  worker.on('message', (reply: RenderReply) => {
    if ('error' in reply) fail(new PaperboyError(reply.error));
    else waiting.shift()?.resolve(reply);
  });
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new PaperboyError(`building the issues: their thread stopped (exit code ${code})`)));
  const ask = <T extends RenderReply>(message: RenderJob | null) =>
    new Promise<T>((resolve, reject) => {
      if (failure) return reject(failure);
      waiting.push({ resolve: resolve as (reply: RenderReply) => void, reject });
      worker.postMessage(message);
    });
  let ended: Promise<unknown> | undefined;
  const end = () => (ended ??= worker.terminate());
  return {
    render: (job) => ask<Exclude<RenderReply, { finished: true } | { error: string }>>(job),
    async done() {
      try {
        await ask<{ finished: true }>(null);
      } finally {
        await end();
      }
    },
    async abort() {
      await end();
    },
  };
}
