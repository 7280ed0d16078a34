import type { IssueView, RenderedEmail } from '../render/index.ts';
import type { EmailFacts, IssueThread, RenderJob } from './_render-thread.ts';
import { breathe } from './_site-wide.ts';

// How many issues the thread is handed ahead of its answers: enough to keep it busy while this
// thread renders a page or a feed, few enough that the rest are still there to share.
const AHEAD = 16;

/** An issue for the issue thread, and what to do with its answer. */
export interface SharedJob extends RenderJob {
  answered(reply: { email?: EmailFacts; kept?: RenderedEmail | undefined }): void;
}

/** Issues shared between the issue thread and this one. */
export interface SharedIssues {
  /** Renders here the pages of the newest issues the thread has not been handed yet, until it reaches them. */
  help(): Promise<void>;
  /** Resolves once every issue is answered; rejects with the thread's first error. */
  finished: Promise<void>;
}

/**
 * Hands the issue thread its issues oldest first, a few at a time; `help` lets this thread, once
 * done with the rest of the site, take the pages of the newest ones (their emails stay with the
 * thread, which has MJML loaded), so that neither waits for the other at the end of a build.
 */
export function shareIssues(thread: IssueThread, jobs: SharedJob[], renderPages: (view: IssueView) => void): SharedIssues {
  let next = 0;
  let waiting = 0;
  let failed = false;
  let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  const finished = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  finished.catch(() => undefined);
  const hand = (job: SharedJob) => {
    waiting++;
    const { date, pages, email, keep } = job;
    thread.render({ date, pages, email, keep }).then(
      (reply) => {
        job.answered(reply);
        waiting--;
        feed();
      },
      (error: unknown) => {
        failed = true;
        settle?.reject(error);
      },
    );
  };
  const feed = () => {
    while (!failed && waiting < AHEAD && next < jobs.length) {
      const job = jobs[next++] as SharedJob;
      // Its pages rendered here, and its email not to render: nothing is left for the thread.
      if (job.pages || job.email) hand(job);
      else job.answered({});
    }
    if (!failed && waiting === 0 && next === jobs.length) settle?.resolve();
  };
  feed();
  return {
    finished,
    async help() {
      for (let last = jobs.length - 1; last >= next && !failed; last--) {
        const job = jobs[last] as SharedJob;
        if (!job.pages) continue;
        renderPages(job.pages);
        job.pages = undefined;
        await breathe();
      }
    },
  };
}
