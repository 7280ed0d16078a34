import { parentPort } from 'node:worker_threads';
import type { IndexReply, IndexRequest } from './_index-thread.ts';

// The thread that talks to the search indexer's process: a period's records in, its index's files
// out (their bytes moved, not copied). Its event loop does nothing else, so the indexer's pipes are
// served at once while the build's thread renders: a page that takes 400 ms to render no longer
// leaves the indexer without records for 400 ms.
type Pagefind = typeof import('pagefind');
let loaded: Promise<Pagefind> | undefined;
const pagefind = () => (loaded ??= import('pagefind'));

async function index(request: Extract<IndexRequest, { records: unknown }>): Promise<[string, Uint8Array][]> {
  const { period, language, records } = request;
  const created = await (await pagefind()).createIndex({ forceLanguage: language });
  const index = created.index;
  if (!index) throw new Error(`search index: Pagefind could not start: ${created.errors.join('; ')}`);
  try {
    const added = await Promise.all(records.map((r) => index.addCustomRecord({ ...r, language })));
    const failed = added.flatMap((a) => a.errors);
    if (failed.length > 0) throw new Error(`search index ${period}: ${failed[0]}`);
    const { files, errors } = await index.getFiles();
    if (errors.length > 0) throw new Error(`search index ${period}: ${errors[0]}`);
    // Handed over rather than written by Pagefind: it stops answering on a full disk, where the
    // build's writer says so in one line and leaves nothing half-written.
    return files.map((f): [string, Uint8Array] => [f.path, f.content]);
  } finally {
    await index.deleteIndex();
  }
}

parentPort?.on('message', (request: IndexRequest) => {
  const reply = (message: IndexReply, transfer: ArrayBuffer[] = []) => parentPort?.postMessage(message, transfer);
  if ('warm' in request) {
    pagefind()
      .then((p) => p.createIndex({}))
      .then((created) => created.index?.deleteIndex())
      .then(
        () => reply({ id: request.id, files: [] }),
        (error: unknown) => reply({ id: request.id, error: String(error) }),
      );
    return;
  }
  if ('close' in request) {
    const closing = loaded ? loaded.then((p) => p.close()) : Promise.resolve();
    closing.then(
      () => reply({ id: request.id, files: [] }),
      (error: unknown) => reply({ id: request.id, error: String(error) }),
    );
    return;
  }
  index(request).then(
    (files) => {
      const buffers = new Set(files.map(([, content]) => content.buffer as ArrayBuffer));
      reply({ id: request.id, files }, [...buffers]);
    },
    (error: unknown) => reply({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
  );
});
