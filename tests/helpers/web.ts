import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { simpleParser } from 'mailparser';
import { openApp, type App, type AppOptions } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import type { Sql } from '../../src/db/index.ts';
import type { Logger } from '../../src/log.ts';
import { signToken, type SubscriberStore, type TokenPurpose } from '../../src/subscribers/index.ts';
import { createServer, type WebContext } from '../../src/web/index.ts';
import { SECRET } from './dispatch.ts';
import { fixture } from './paths.ts';

/** A running web server, wired by the program's own composition root, over a built site, a fresh database and a file outbox. */
export interface TestWeb {
  url: string;
  /** The program's parts, as `openApp` made them from the settings. */
  app: App;
  server: FastifyInstance;
  dataDir: string;
  outDir: string;
  sql: Sql;
  store: SubscriberStore;
  outbox: string;
  ctx: WebContext;
  /** A file under out/. */
  read(path: string): Promise<string>;
  /** A token of subscriber `id` for a purpose, signed as the server signs its links. */
  token(purpose: TokenPurpose, id: number, expires?: number): Promise<string>;
  /** The messages in the outbox, parsed, oldest first. */
  mail(): Promise<{ to: string; subject: string; text: string; file: string }[]>;
  close(): Promise<void>;
}

/** What a test web may differ in: the limit on subscribing, the metrics and admin tokens, the clock. */
export interface WebOptions {
  subscribeRate?: number;
  metricsToken?: string;
  /** Turns the admin API on, with this token. */
  adminToken?: string;
  /** The admin API's requests a minute per client. */
  adminRate?: number;
  /** Where the program's log goes (nowhere by default). */
  log?: Logger;
  now?: () => Date;
  /** More PAPERBOY_ settings (webhooks, say). */
  env?: Record<string, string>;
  /** More of what `openApp` is told (the webhook loop's pace, say). */
  app?: Pick<AppOptions, 'webhookTiming'>;
}

// A port nothing listens on now, as the kernel hands one out for port 0.
async function freePort(): Promise<number> {
  const probe = createNetServer();
  await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/**
 * Starts the real server on loopback the way `paperboy serve` does: settings through the real
 * loader, the parts from `openApp`, the web context from `app.web()`. The site's address is the
 * one it listens on, so the port is found first (tried again should another process take it).
 */
export async function startWeb(options: WebOptions = {}): Promise<TestWeb> {
  const base = await mkdtemp(join(tmpdir(), 'paperboy-web-'));
  await mkdir(join(base, 'digests'));
  await writeFile(join(base, 'digests', '2031-01-05.md'), readFileSync(fixture('digests', 'four-columns.md'), 'utf8'));
  await writeFile(join(base, 'digests', '2031-02-03.md'), readFileSync(fixture('digests', 'six-columns.md'), 'utf8'));
  // The list lives apart from the site's folder, which tests fill with files of their own.
  const dataDir = await mkdtemp(join(tmpdir(), 'paperboy-web-data-'));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const settings = {
      PAPERBOY_SITE_URL: `http://127.0.0.1:${port}`,
      PAPERBOY_PORT: String(port),
      PAPERBOY_HOST: '127.0.0.1',
      PAPERBOY_FROM: 'Daily Papers <papers@example.org>',
      PAPERBOY_SECRET: SECRET,
      PAPERBOY_DATA_DIR: dataDir,
      ...(options.metricsToken === undefined ? {} : { PAPERBOY_METRICS_TOKEN: options.metricsToken }),
      ...(options.adminToken === undefined ? {} : { PAPERBOY_ADMIN_TOKEN: options.adminToken }),
      ...options.env,
    };
    // A server's database never blocks on another process's lock (see src/app.ts).
    const opening = {
      busyTimeoutMs: 0,
      ...options.app,
      ...(options.now ? { now: options.now } : {}),
      ...(options.log ? { log: options.log } : {}),
    };
    const app = openApp(loadConfig(settings, base), opening);
    const web = app.web();
    const api = web.api && { ...web.api, rate: options.adminRate ?? 1000 };
    const ctx: WebContext = { ...web, subscribeRate: options.subscribeRate ?? 1000, api };
    const server = await createServer(ctx);
    try {
      await server.listen({ port, host: app.config.host });
    } catch (error) {
      await server.close();
      await app.close();
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE' && attempt < 5) continue;
      throw error;
    }
    await app.builder.build({ all: true });
    return testWeb(app, server, ctx);
  }
}

function testWeb(app: App, server: FastifyInstance, ctx: WebContext): TestWeb {
  const { outDir, dataDir, siteUrl } = app.config;
  const outbox = join(outDir, 'outbox');
  return {
    url: siteUrl,
    app,
    server,
    dataDir,
    outDir,
    sql: app.sql,
    store: app.store,
    outbox,
    ctx,
    read: (path) => readFile(join(outDir, path), 'utf8'),
    token: async (purpose, id, expires) =>
      signToken(app.secret, purpose, { id, tokenKey: (await app.store.tokenKeyOf(id)) ?? '' }, expires),
    async mail() {
      const files = (await readdir(outbox).catch(() => [] as string[])).filter((f) => f.endsWith('.eml'));
      const parsed = await Promise.all(
        files.map(async (file) => {
          const message = await simpleParser(await readFile(join(outbox, file)));
          const to = message.to && !Array.isArray(message.to) ? message.to.text : '';
          return { to, subject: message.subject ?? '', text: message.text ?? '', file };
        }),
      );
      return parsed.sort((a, b) => a.file.localeCompare(b.file));
    },
    async close() {
      await server.close();
      await app.close();
    },
  };
}

/** A form post as a browser on this site would send it. */
export function post(
  web: TestWeb,
  path: string,
  form: Record<string, string | string[]>,
  headers: Record<string, string> = { origin: web.url },
): Promise<Response> {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(form)) for (const v of Array.isArray(value) ? value : [value]) body.append(key, v);
  return fetch(`${web.url}${path}`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    redirect: 'manual',
  });
}
