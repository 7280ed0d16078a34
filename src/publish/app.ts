import { createBuilder, type Builder } from '../build/build.ts';
import { buildSettings } from '../commands/build.ts';
import { transportFor } from '../commands/dispatch.ts';
import type { Config } from '../config.ts';
import type { Transport } from '../deliver/transport.ts';
import type { Logger } from '../log.ts';
import { openDatabase, type Db } from '../subscribers/db.ts';
import { loadSecret } from '../subscribers/secret.ts';
import { SubscriberStore } from '../subscribers/store.ts';

/** What the main job works with: one database, one transport, one warm builder, for its whole life. */
export interface App {
  config: Config;
  root: string;
  db: Db;
  store: SubscriberStore;
  transport: Transport;
  secret: string;
  builder: Builder;
  log: Logger;
  /** Aborted when the process is asked to stop: no new work is taken. */
  signal: AbortSignal;
  now: () => Date;
}

/** Opens the main job's resources from the settings. */
export function openApp(config: Config, root: string, log: Logger, signal: AbortSignal): App {
  const db = openDatabase(config.dataDir);
  return {
    config,
    root,
    db,
    store: new SubscriberStore(db),
    transport: transportFor(config),
    secret: loadSecret(config.dataDir, config.secret),
    builder: createBuilder(buildSettings(config, root)),
    log,
    signal,
    now: () => new Date(),
  };
}
