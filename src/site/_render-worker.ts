import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { loadTemplates, renderEmail } from '../render/index.ts';
import { renderIssuePages } from './_pages.ts';
import type { RenderJob, RenderReply } from './_render-thread.ts';
import { writeFileAtomic, type Writer } from './_write.ts';

// The thread behind an issue thread: issues in, each rendered and written in turn, one reply per
// issue; a summary of what was written when told to finish; an error stops it at the first.
const { root, templatesDir, hash } = workerData as { root: string; templatesDir: string; hash: string };
const templates = loadTemplates(templatesDir).then((loaded) => {
  if (loaded.hash !== hash) throw new Error(`${templatesDir}: the templates changed while the site was being built`);
  return loaded;
});
const written: string[] = [];
let unchanged = 0;
const out: Writer = {
  put(path, content) {
    if (writeFileAtomic(join(root, path), content)) written.push(path);
    else unchanged++;
  },
  done: async () => ({ written, unchanged }),
  abort: async () => undefined,
};
let failed = false;
let queue = Promise.resolve();
const reply = (message: RenderReply) => parentPort?.postMessage(message);

parentPort?.on('message', (job: RenderJob | null) => {
  queue = queue
    .then(async () => {
      if (failed) return;
      if (job === null) return reply({ summary: { written: written.sort(), unchanged } });
      const loaded = await templates;
      if (job.pages) renderIssuePages(job.pages, loaded, out);
      if (!job.email) return reply({ date: job.date });
      const email = await renderEmail(job.email, loaded);
      out.put(`email/${job.date}.html`, email.html);
      out.put(`email/${job.date}.txt`, email.text);
      const { htmlBytes, fullPapers, listedPapers } = email;
      reply({ date: job.date, email: { htmlBytes, fullPapers, listedPapers }, kept: job.keep ? email : undefined });
    })
    .catch((error: unknown) => {
      failed = true;
      reply({ error: error instanceof Error ? error.message : String(error) });
    });
});
