import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { loadEmailCompiler, loadTemplates, renderEmail } from '../render/index.ts';
import { renderIssuePages } from './_pages.ts';
import type { RenderJob, RenderReply } from './_render-thread.ts';
import type { Writer } from './_write.ts';

// The thread behind an issue thread: issues in, each rendered in turn, one reply per issue; its
// files go to the build's writer through `port`, in batches, ended by a null when told to finish;
// an error stops it at the first. It loads the templates and MJML as soon as it starts, while the
// build is still reading the digests.
const { port, templatesDir, hash } = workerData as { port: MessagePort; templatesDir: string; hash: string };
const templates = loadTemplates(templatesDir).then((loaded) => {
  if (loaded.hash !== hash) throw new Error(`${templatesDir}: the templates changed while the site was being built`);
  return loaded;
});
const compiler = loadEmailCompiler();
templates.catch(() => undefined);
compiler.catch(() => undefined);

const BATCH = 50;
let batch: [string, string][] = [];
const flush = () => {
  if (batch.length > 0) port.postMessage(batch);
  batch = [];
};
const out: Pick<Writer, 'put'> = {
  put(path, content) {
    batch.push([path, content as string]);
    if (batch.length >= BATCH) flush();
  },
};
let failed = false;
let queue = Promise.resolve();
const reply = (message: RenderReply) => parentPort?.postMessage(message);

parentPort?.on('message', (job: RenderJob | null) => {
  queue = queue
    .then(async () => {
      if (failed) return;
      if (job === null) {
        flush();
        port.postMessage(null);
        port.close();
        return reply({ finished: true });
      }
      const loaded = await templates;
      await compiler;
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
