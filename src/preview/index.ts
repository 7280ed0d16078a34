import { watch, type FSWatcher } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { extname, join, normalize, sep } from 'node:path';
import Fastify, { type FastifyReply } from 'fastify';
import type { Site } from '../config.ts';
import type { DigestLibrary } from '../digest/index.ts';
import { PaperboyError } from '../errors.ts';
import { errorCode, fileProblem } from '../files.ts';
import { describeListen, listenError } from '../listen.ts';
import { EMAIL_HTML_LIMIT, escapeHtml, type TemplateSource } from '../render/index.ts';
import { createBuilder, type BuildReport, type Builder } from '../site/index.ts';

/** What the preview shows: a digest (the newest, or one day's) rendered with the templates of a folder. */
export interface PreviewSettings {
  library: DigestLibrary;
  templates: TemplateSource;
  templatesDir: string;
  site: Omit<Site, 'url'>;
  date: string | undefined;
  port: number;
  host: string;
}

/** A running preview. */
export interface Preview {
  url: string;
  address: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};

// Pages reload themselves when a template changes (server-sent events on /events).
const RELOAD = `<script>new EventSource('/events').addEventListener('reload', () => location.reload());</script>`;

// Why the preview could not start, in one line that starts with the place; other errors are bugs.
function startError(settings: PreviewSettings, error: unknown): unknown {
  const code = errorCode(error);
  if (code === 'ENOENT' || code === 'ENOTDIR') {
    return new PaperboyError(`${settings.templatesDir}: ${fileProblem(error, 'folder of templates')}`, { cause: error });
  }
  return listenError('--port', settings.port, settings.host, error, 'give the preview another with --port');
}

// The names a request may give in its Host header: the address the preview listens on (every
// address of this machine when it listens on all of them) and the loopback names. A page elsewhere
// whose own name was made to point here (DNS rebinding) gives its own name, and is refused.
function ownNames(address: AddressInfo): Set<string> {
  const names = new Set(['localhost', '127.0.0.1', '[::1]']);
  const bracket = (ip: string) => (ip.includes(':') ? `[${ip}]` : ip);
  names.add(bracket(address.address));
  if (address.address === '0.0.0.0' || address.address === '::') {
    for (const ips of Object.values(networkInterfaces())) for (const ip of ips ?? []) names.add(bracket(ip.address));
  }
  return names;
}

// The name in a Host header, lower case (an IPv6 address in brackets); undefined when it is no host.
function hostName(host: string | undefined): string | undefined {
  if (host === undefined || host === '') return undefined;
  try {
    const url = new URL(`http://${host}/`);
    return url.username === '' && url.pathname === '/' ? url.hostname.toLowerCase() : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A live preview of the templates: the email (HTML and text), the issue page and the home page of a
 * digest, rendered from the templates on each visit after a change, with the email's size against
 * its budget and any template error on the page; open pages reload when a template changes.
 */
export async function startPreview(settings: PreviewSettings): Promise<Preview> {
  const out = await mkdtemp(join(tmpdir(), 'paperboy-preview-'));
  const app = Fastify({
    logger: false,
    // A path the router cannot even read (`/%ZZ`) gets a page too, not the framework's JSON.
    frameworkErrors: (_error, _request, reply) => void problem(reply, 400, 'Bad request', 'That address is not one the preview can read.'),
  });
  const listeners = new Set<FastifyReply>();
  let version = 0;
  let built: { version: number; report?: BuildReport; error?: string } | undefined;

  // The pages link to the preview itself, whose address is known once it listens.
  let url = '';
  let builder: Builder | undefined;

  // Renders again when a template (or a digest) changed since the last visit.
  async function render(): Promise<{ report?: BuildReport; error?: string }> {
    if (built?.version === version && !built.error) return built;
    const at = version;
    builder ??= createBuilder({ library: settings.library, outDir: out, templates: settings.templates, site: { ...settings.site, url } });
    try {
      built = { version: at, report: await builder.build(settings.date === undefined ? {} : { date: settings.date }) };
    } catch (error) {
      built = { version: at, error: (error as Error).message };
    }
    return built;
  }

  // Filled in once it listens; until then no name is its own.
  let names = new Set<string>();

  const page = (title: string, body: string) =>
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>` +
    '<style>body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem}' +
    '.problem{color:#991b1b;white-space:pre-wrap}</style>' +
    `</head><body>${body}${RELOAD}</body></html>`;

  const problem = (reply: FastifyReply, status: number, title: string, text: string) =>
    reply
      .code(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(page(title, `<h1>${escapeHtml(title)}</h1><p class="problem">${escapeHtml(text)}</p><p><a href="/">The preview</a></p>`));

  app.addHook('onRequest', async (request, reply) => {
    const name = hostName(request.headers.host);
    if (name === undefined || !names.has(name)) {
      return problem(reply, 421, 'Not this preview', `This preview answers only at ${url}/ and on localhost.`);
    }
  });
  app.setNotFoundHandler((_request, reply) => problem(reply, 404, 'Not found', 'There is nothing at this address in the preview.'));
  app.setErrorHandler((error: { statusCode?: number }, _request, reply) => {
    const status = error instanceof URIError ? 400 : (error.statusCode ?? 500);
    return status < 500
      ? problem(reply, status, 'Bad request', 'That address is not one the preview can read.')
      : problem(reply, 500, 'Preview error', 'Something went wrong; the command line may say more.');
  });

  app.get('/', async (_request, reply) => {
    const { report, error } = await render();
    const issue = report?.issues.at(-1);
    const body = error
      ? `<h1>Template error</h1><p class="problem">${escapeHtml(error)}</p><p>Fix the template and save: this page reloads by itself.</p>`
      : issue
        ? `<h1>Preview of ${escapeHtml(issue.date)}</h1>\n` +
          `<p>The email is <strong>${((issue.emailBytes ?? 0) / 1000).toFixed(1)} kB</strong> of HTML, ` +
          `against a budget of ${EMAIL_HTML_LIMIT / 1000} kB (${Math.round(((issue.emailBytes ?? 0) / EMAIL_HTML_LIMIT) * 100)} %)${
            issue.fullPapers !== undefined && issue.fullPapers < issue.papers
              ? `: ${issue.fullPapers} of ${issue.papers} papers in full, the rest as titles`
              : `: all ${issue.papers} papers in full`
          }.</p>\n` +
          `<ul><li><a href="/email/${issue.date}.html">The email</a> (<a href="/email/${issue.date}.txt">its text part</a>)</li>` +
          `<li><a href="/issues/${issue.date}.html">The issue page</a></li><li><a href="/index.html">The home page</a></li></ul>\n` +
          `<p>Templates: <code>${escapeHtml(settings.templatesDir)}</code>. Open pages reload when one of them changes.</p>`
        : '<h1>No digest to preview</h1><p>Put a digest in the digests folder.</p>';
    return reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(page('paperboy preview', body));
  });

  app.get('/events', (request, reply) => {
    reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-store', connection: 'keep-alive' });
    reply.raw.write(`event: hello\ndata: ${version}\n\n`);
    listeners.add(reply);
    request.raw.on('close', () => listeners.delete(reply));
  });

  app.get('/*', async (request, reply) => {
    const { error } = await render();
    if (error) return reply.redirect('/');
    const path = normalize(join(out, decodeURIComponent(request.url.split('?')[0] ?? '')));
    if (!path.startsWith(out + sep)) return problem(reply, 400, 'Bad request', 'That address leaves the preview.');
    const bytes = await readFile(path).catch(() => undefined);
    if (!bytes) return problem(reply, 404, 'Not found', 'There is no such file in the preview.');
    const type = TYPES[extname(path)] ?? 'application/octet-stream';
    const body = type.startsWith('text/html') ? bytes.toString('utf8').replace(/<\/body>/i, `${RELOAD}</body>`) : bytes;
    return reply.type(type).header('cache-control', 'no-store').send(body);
  });

  // Nothing is left behind when it cannot start: no watcher keeps the process alive, no folder stays.
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(settings.templatesDir, { recursive: true }, () => {
      version++;
      for (const reply of listeners) reply.raw.write(`event: reload\ndata: ${version}\n\n`);
    });
    await app.listen({ port: settings.port, host: settings.host });
  } catch (error) {
    watcher?.close();
    await app.close();
    await rm(out, { recursive: true, force: true });
    throw startError(settings, error);
  }
  const address = app.server.address() as AddressInfo;
  url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  names = ownNames(address);
  return {
    url,
    address: describeListen(address),
    async close() {
      watcher?.close();
      for (const reply of listeners) reply.raw.end();
      await app.close();
      await rm(out, { recursive: true, force: true });
    },
  };
}
