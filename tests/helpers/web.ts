import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { simpleParser } from 'mailparser';
import { openDatabase, type Db } from '../../src/db/index.ts';
import { composeNotice, fileTransport } from '../../src/deliver/index.ts';
import { openLedger } from '../../src/ledger/index.ts';
import { createMetrics } from '../../src/metrics/index.ts';
import { displayDate, siteUrls, templateSource } from '../../src/render/index.ts';
import { signToken, SubscriberStore, Suppressions, type SubscriptionContext, type TokenPurpose } from '../../src/subscribers/index.ts';
import { createServer, type WebContext } from '../../src/web/index.ts';
import { SECRET, SENDER } from './dispatch.ts';
import { fixture, root } from './paths.ts';
import { tempSite, type TempSite } from './site.ts';

/** A running web server over a built site, a fresh database and a file outbox. */
export interface TestWeb {
  url: string;
  dataDir: string;
  app: FastifyInstance;
  db: Db;
  store: SubscriberStore;
  site: TempSite;
  outbox: string;
  ctx: WebContext;
  /** A token of subscriber `id` for a purpose, signed as the server signs its links. */
  token(purpose: TokenPurpose, id: number, expires?: number): string;
  /** The messages in the outbox, parsed, oldest first. */
  mail(): Promise<{ to: string; subject: string; text: string; file: string }[]>;
  close(): Promise<void>;
}

/**
 * Starts the real server on a free loopback port (it listens on port 0, then the site takes the
 * address it got), over a site built for that address.
 */
export async function startWeb(options: { subscribeRate?: number; metricsToken?: string } = {}): Promise<TestWeb> {
  const site = await tempSite({
    '2031-01-05.md': readFileSync(fixture('digests', 'four-columns.md'), 'utf8'),
    '2031-02-03.md': readFileSync(fixture('digests', 'six-columns.md'), 'utf8'),
  });
  const dataDir = await mkdtemp(join(tmpdir(), 'paperboy-web-data-'));
  // A server's database never blocks on another process's lock (see src/app.ts).
  const db = openDatabase(dataDir, { busyTimeoutMs: 0 });
  const store = new SubscriberStore(db);
  const outbox = join(site.outDir, 'outbox');
  const transport = fileTransport(outbox);
  const templates = templateSource(join(root, 'templates'));
  const subscriptions: SubscriptionContext = {
    store,
    suppressions: new Suppressions(db, SECRET),
    templates,
    secret: SECRET,
    site: site.settings.site,
    sender: SENDER,
    send: async (notice) => void (await transport.send(await composeNotice(SENDER, notice))),
    latestIssue: async () => {
      const newest = (await site.builder.digests()).at(-1);
      return newest && { webUrl: siteUrls(site.settings.site).issue(newest.date), displayDate: displayDate(newest.date) };
    },
  };
  const ctx: WebContext = {
    site: site.settings.site,
    outDir: site.outDir,
    secret: SECRET,
    store,
    templates,
    library: site.settings.library,
    subscriptions,
    privacy: { store, suppressions: subscriptions.suppressions, deliveriesOf: (id) => openLedger(db).rounds.deliveriesOf(id) },
    subscribeRate: options.subscribeRate ?? 1000,
    health: () => {
      store.count();
      return { lastPublication: null, nextRun: null };
    },
    metrics: createMetrics({
      subscribersByStatus: () => store.counts(),
      deliveriesByStatus: () => openLedger(db).rounds.totals(),
      eventsByKind: () => store.eventCounts(''),
      lastDispatchSeconds: () => undefined,
      lastPublication: () => undefined,
    }),
    metricsToken: options.metricsToken,
  };
  const app = await createServer(ctx);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as import('node:net').AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  // Nothing was asked of the server yet: every part now takes the address it listens on.
  ctx.site = site.settings.site = subscriptions.site = { ...site.settings.site, url };
  await site.build({ all: true });
  return {
    url,
    dataDir,
    app,
    db,
    store,
    site,
    outbox,
    ctx,
    token: (purpose, id, expires) => signToken(SECRET, purpose, { id, tokenKey: store.tokenKeyOf(id) ?? '' }, expires),
    async mail() {
      const files = (await readdir(outbox).catch(() => [] as string[])).filter((f) => f.endsWith('.eml'));
      const parsed = await Promise.all(
        files.map(async (file) => {
          const message = await simpleParser(await readFile(join(outbox, file)));
          const to = message.to && !Array.isArray(message.to) ? message.to.text : '';
          return { to, subject: message.subject ?? '', text: message.text ?? '', file, date: message.date?.getTime() ?? 0 };
        }),
      );
      return parsed.sort((a, b) => a.file.localeCompare(b.file));
    },
    async close() {
      await app.close();
      db.close();
    },
  };
}

/** A form post as a browser on this site would send it. */
export function post(web: TestWeb, path: string, form: Record<string, string | string[]>, headers: Record<string, string> = { origin: web.url }): Promise<Response> {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) for (const v of Array.isArray(value) ? value : [value]) body.append(key, v);
  return fetch(`${web.url}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, redirect: 'manual' });
}
