import { join } from 'node:path';
import type { Config } from '../config.ts';
import { UsageError } from '../errors.ts';
import { startReceiver } from '../inbound/receiver.ts';
import { createLogger } from '../log.ts';
import { loadTemplates, type Templates } from '../render/_templates.ts';
import { openDatabase } from '../subscribers/db.ts';
import { loadSecret } from '../subscribers/secret.ts';
import { SubscriberStore } from '../subscribers/store.ts';
import { transportFor } from './dispatch.ts';
import type { Output } from './_output.ts';

/** `paperboy inbound [--port N]`: the SMTP receiver for subscribe / unsubscribe requests and bounces, until interrupted. */
export async function inboundCommand(config: Config, root: string, options: { port?: string }, output: Output): Promise<number> {
  const port = options.port !== undefined ? Number(options.port) : (config.inboundPort ?? 2525);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port takes a port number, not "${options.port}"`);
  const log = createLogger(config.logLevel, (line) => process.stderr.write(line));
  const db = openDatabase(config.dataDir);
  const store = new SubscriberStore(db);
  const transport = transportFor(config);
  const secret = loadSecret(config.dataDir, config.secret);
  let compiled: Templates | undefined;
  const site = { url: config.siteUrl, title: config.title, language: 'en' };
  const receiver = await startReceiver(
    async () => ({ db, store, transport, secret, site, from: config.from, templates: (compiled = await loadTemplates(join(root, 'templates'), compiled)) }),
    config.from,
    port,
    log,
  );
  output.out(`receiving mail for ${config.from} on port ${receiver.port}; press Ctrl-C to stop`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await receiver.close();
  await transport.close();
  db.close();
  return 0;
}
