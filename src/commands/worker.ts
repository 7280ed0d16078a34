import { UsageError } from '../errors.ts';
import { runWorker } from '../publish/index.ts';
import type { CommandContext } from './context.ts';

/**
 * `paperboy worker`: a process that only sends, beside any number of others, the running rounds of
 * the PostgreSQL database they share. SIGTERM / SIGINT stop it cleanly: what is on its way
 * finishes, what it holds goes back to the queue, exit 0.
 */
export async function workerCommand(ctx: CommandContext): Promise<number> {
  if (ctx.config().databaseUrl === undefined)
    throw new UsageError('paperboy worker: several senders need PostgreSQL: set PAPERBOY_DATABASE_URL (with SQLite, dispatch sends alone)');
  const app = ctx.app({ server: true, sends: true, onlySends: true });
  const stopping = new AbortController();
  void ctx.stopped().then(() => stopping.abort());
  const webhooks = app.deliverWebhooks();
  try {
    await runWorker(app.jobs(stopping.signal));
  } finally {
    await webhooks?.stop();
  }
  return 0;
}
