import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { simpleParser } from 'mailparser';
import { fileTransport } from '../../src/deliver/transport.ts';
import { loadTemplates } from '../../src/render/_templates.ts';
import { openDatabase, type Db } from '../../src/subscribers/db.ts';
import { SubscriberStore } from '../../src/subscribers/store.ts';
import type { WebContext } from '../../src/web/_context.ts';
import { createSiteData } from '../../src/web/_site-data.ts';
import { createServer } from '../../src/web/server.ts';
import { SECRET } from './dispatch.ts';
import { fixture, root } from './paths.ts';
import { tempSite, type TempSite } from './site.ts';

/** A free port on loopback, for a server whose own URL must be known before it starts. */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as import('node:net').AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A running web server over a built site, a fresh database and a file outbox. */
export interface TestWeb {
  url: string;
  app: FastifyInstance;
  db: Db;
  store: SubscriberStore;
  site: TempSite;
  outbox: string;
  ctx: WebContext;
  /** The messages in the outbox, parsed, oldest first. */
  mail(): Promise<{ to: string; subject: string; text: string; file: string }[]>;
  close(): Promise<void>;
}

/** Starts the real server on a loopback port, its site URL that very address. */
export async function startWeb(options: { subscribeRate?: number } = {}): Promise<TestWeb> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const site = await tempSite({
    '2031-01-05.md': readFileSync(fixture('digests', 'four-columns.md'), 'utf8'),
    '2031-02-03.md': readFileSync(fixture('digests', 'six-columns.md'), 'utf8'),
  });
  site.settings.site = { ...site.settings.site, url };
  await site.build({ all: true });
  const dataDir = await mkdtemp(join(tmpdir(), 'paperboy-web-data-'));
  const db = openDatabase(dataDir);
  const store = new SubscriberStore(db);
  const outbox = join(site.outDir, 'outbox');
  const transport = fileTransport(outbox);
  const webSite = { url, title: 'Daily Papers', language: 'en' };
  const templates = () => loadTemplates(join(root, 'templates'));
  const ctx: WebContext = {
    site: webSite,
    outDir: site.outDir,
    secret: SECRET,
    store,
    templates,
    siteData: createSiteData(site.digestsDir),
    subscriptions: async () => ({ db, store, transport, templates: await templates(), secret: SECRET, site: webSite, from: 'Daily Papers <papers@example.org>' }),
    subscribeRate: options.subscribeRate ?? 1000,
  };
  const app = await createServer(ctx);
  await app.listen({ port, host: '127.0.0.1' });
  return {
    url,
    app,
    db,
    store,
    site,
    outbox,
    ctx,
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
