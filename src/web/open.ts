import { join } from 'node:path';
import { buildSettings } from '../commands/build.ts';
import { transportFor } from '../commands/dispatch.ts';
import type { Config } from '../config.ts';
import { loadTemplates, type Templates } from '../render/_templates.ts';
import { openDatabase } from '../subscribers/db.ts';
import { loadSecret } from '../subscribers/secret.ts';
import { SubscriberStore } from '../subscribers/store.ts';
import type { WebContext } from './_context.ts';
import { createSiteData } from './_site-data.ts';

/** The web context of the settings: the database, the transport for confirmation emails, the templates. */
export function openWebContext(config: Config, root: string): { ctx: WebContext; close: () => Promise<void> } {
  const db = openDatabase(config.dataDir);
  const store = new SubscriberStore(db);
  const transport = transportFor(config);
  const secret = loadSecret(config.dataDir, config.secret);
  const { site } = buildSettings(config, root);
  const templatesDir = join(root, 'templates');
  let compiled: Templates | undefined;
  const templates = async () => (compiled = await loadTemplates(templatesDir, compiled));
  const ctx: WebContext = {
    site,
    outDir: config.outDir,
    secret,
    store,
    templates,
    siteData: createSiteData(config.digestsDir),
    subscriptions: async () => ({ db, store, transport, templates: await templates(), secret, site, from: config.from }),
    subscribeRate: 10,
  };
  return {
    ctx,
    async close() {
      await transport.close();
      db.close();
    },
  };
}
