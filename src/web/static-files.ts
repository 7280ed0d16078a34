import { createHash } from 'node:crypto';
import { constants as fs, type Stats } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { extname, join, normalize, relative as relativePath, sep } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { errorCode } from '../files.ts';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** One file of out/ as it is served: its bytes in each encoding, a strong ETag, and when it changed. */
interface Served {
  /** The file's real path and inode: a link pointed elsewhere since is not this file. */
  real: string;
  ino: number;
  mtimeMs: number;
  size: number;
  lastModified: string;
  etag: string;
  type: string;
  bodies: { identity: Buffer; gzip?: Buffer; br?: Buffer };
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.xml': 'application/xml; charset=utf-8',
  '.opml': 'text/x-opml; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
};

/** The content type of a file of out/, by its path relative to out/. */
function typeOf(path: string): string {
  if (path.endsWith('.rss.xml') || path.endsWith('/rss.xml')) return 'application/rss+xml; charset=utf-8';
  if (path.endsWith('.atom.xml') || path.endsWith('/atom.xml')) return 'application/atom+xml; charset=utf-8';
  if (path.endsWith('.json') && path.startsWith(`feeds${sep}`)) return 'application/feed+json; charset=utf-8';
  return TYPES[extname(path)] ?? 'application/octet-stream';
}

/** The published folders of out/ and how long a client may keep their files. */
export const PUBLISHED_FOLDERS: Record<string, string> = {
  feeds: 'public, max-age=300',
  issues: 'public, max-age=3600',
  archive: 'public, max-age=3600',
  topics: 'public, max-age=3600',
  // The search index's chunks are named by their content; its entry file is not, and says which.
  pagefind: 'public, max-age=300',
  assets: 'public, max-age=86400',
};

/** The published files at the top of out/. */
export const PUBLISHED_FILES: Record<string, string> = {
  'search.html': 'public, max-age=3600',
  'sitemap.xml': 'public, max-age=3600',
  'robots.txt': 'public, max-age=86400',
  'favicon.svg': 'public, max-age=86400',
  'favicon.ico': 'public, max-age=86400',
};

/** Whether a path relative to out/ (with `/`) is in a published place: the home page, a published file or folder. */
function isPublished(relative: string): boolean {
  if (relative === 'index.html' || Object.hasOwn(PUBLISHED_FILES, relative)) return true;
  const [top, ...rest] = relative.split('/');
  return rest.length > 0 && top !== undefined && Object.hasOwn(PUBLISHED_FOLDERS, top);
}

/** The headers of a request that decide what a response holds. */
export interface ConditionalRequest {
  ifNoneMatch?: string | undefined;
  ifModifiedSince?: string | undefined;
  acceptEncoding?: string | undefined;
}

/** A file served changed (a page with a per-period form token): its name, and the change. */
export interface Variant {
  name: string;
  transform: (text: string) => string;
}

/** Why a path cannot be served. */
export type Refusal = { status: 400 | 404; message: string };

/** A response for a file of out/: the status, its headers and body. */
export interface StaticResponse {
  status: 200 | 304;
  headers: Record<string, string>;
  body: Buffer | undefined;
}

// HTTP dates have whole seconds: a file is unchanged since a date when its mtime's second is not later.
function notModifiedSince(ifModifiedSince: string | undefined, mtimeMs: number): boolean {
  if (ifModifiedSince === undefined) return false;
  const since = Date.parse(ifModifiedSince);
  return !Number.isNaN(since) && Math.floor(mtimeMs / 1000) * 1000 <= since;
}

function matches(ifNoneMatch: string, etag: string): boolean {
  if (ifNoneMatch.trim() === '*') return true;
  return ifNoneMatch.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** How much of out/ is kept in memory, encodings included, unless told otherwise. */
const STATIC_CACHE_BYTES = 64 * 1024 * 1024;

// Bodies this small gain too little from compression to be worth the bytes of a second copy.
const COMPRESSED_FROM = 1024;
// Above this, brotli's best quality takes too long for a file read on the first request.
const BEST_BROTLI_UP_TO = 256 * 1024;

// The search index's chunks and WebAssembly are gzip already (and Pagefind unpacks them itself):
// compressing them again gains nothing.
function compressed(path: string, bytes: Buffer): boolean {
  return /\.(?:pf_\w+|pagefind|gz|br|zip|png|jpe?g|gif|webp|woff2?)$/.test(path) || (bytes[0] === 0x1f && bytes[1] === 0x8b);
}

function sizeOf(served: Served): number {
  return served.bodies.identity.length + (served.bodies.gzip?.length ?? 0) + (served.bodies.br?.length ?? 0);
}

/**
 * Serves the public folders and files of out/ (feeds, issues, archive, topics, the search index,
 * assets, the sitemap, robots.txt, favicons) from memory, reloading a
 * file when it changes on disk. Each file has a strong ETag (a hash of its bytes; one per
 * encoding), Last-Modified, Cache-Control, and gzip or brotli for clients that ask. The files kept
 * in memory take at most `maxBytes`, the least recently served going first; a file gone from disk
 * leaves at once.
 */
export function createStaticFiles(outDir: string, options: { maxBytes?: number } = {}) {
  const maxBytes = options.maxBytes ?? STATIC_CACHE_BYTES;
  // In the order they were last served, the least recent first.
  const cache = new Map<string, Served & { variant: string }>();
  let cachedBytes = 0;
  // Files being read and compressed, so that requests arriving together share the work.
  const loading = new Map<string, Promise<Served & { variant: string }>>();

  function forget(path: string): void {
    const entry = cache.get(path);
    if (!entry) return;
    cache.delete(path);
    cachedBytes -= sizeOf(entry);
  }

  function keep(path: string, served: Served & { variant: string }): void {
    forget(path);
    if (sizeOf(served) > maxBytes) return;
    cache.set(path, served);
    cachedBytes += sizeOf(served);
    for (const oldest of cache.keys()) {
      if (cachedBytes <= maxBytes) break;
      forget(oldest);
    }
  }

  // Where a path of out/ really leads: a regular file whose real path is in a published place of
  // the real out/, or nothing. A link to data/, to /etc, to out/outbox/, a folder or a pipe is refused.
  async function published(path: string): Promise<{ real: string; info: Stats } | undefined> {
    const [real, top] = await Promise.all([realpath(path).catch(() => undefined), realpath(outDir).catch(() => undefined)]);
    if (real === undefined || top === undefined) return undefined;
    // Outside out/, the path starts with `..`, which is no published place.
    if (!isPublished(relativePath(top, real).split(sep).join('/'))) return undefined;
    const info = await stat(real).catch(() => undefined);
    return info?.isFile() ? { real, info } : undefined;
  }

  // Reads the file found at `real` only if it is still the one that was checked: opened without
  // following a link and without waiting on a pipe put there since.
  async function readChecked(real: string, info: Stats): Promise<Buffer> {
    const handle = await open(real, fs.O_RDONLY | fs.O_NOFOLLOW | fs.O_NONBLOCK);
    try {
      const now = await handle.stat();
      // Another file now: taken as gone, like one deleted between the check and the read.
      if (!now.isFile() || now.ino !== info.ino || now.dev !== info.dev)
        throw Object.assign(new Error(`${real}: replaced while read`), { code: 'ENOENT' });
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  async function read(path: string, real: string, info: Stats, variant: Variant | undefined): Promise<Served & { variant: string }> {
    const { mtimeMs, size } = info;
    const bytes = await readChecked(real, info);
    const identity = variant ? Buffer.from(variant.transform(bytes.toString('utf8'))) : bytes;
    const hash = createHash('sha256').update(identity).digest('base64url').slice(0, 27);
    const served: Served & { variant: string } = {
      variant: variant?.name ?? '',
      real,
      ino: info.ino,
      mtimeMs,
      size,
      lastModified: new Date(Math.floor(mtimeMs / 1000) * 1000).toUTCString(),
      etag: `"${hash}"`,
      type: typeOf(path.slice(outDir.length + 1)),
      bodies: { identity },
    };
    if (identity.length > COMPRESSED_FROM && !compressed(path, identity)) {
      // On zlib's threads: a large file compressed here would hold every other request up.
      const quality = identity.length <= BEST_BROTLI_UP_TO ? constants.BROTLI_MAX_QUALITY : 5;
      const [gzipped, brotli] = await Promise.all([
        gzipAsync(identity, { level: 9 }),
        brotliAsync(identity, {
          params: { [constants.BROTLI_PARAM_QUALITY]: quality, [constants.BROTLI_PARAM_SIZE_HINT]: identity.length },
        }),
      ]);
      served.bodies.gzip = gzipped;
      served.bodies.br = brotli;
    }
    return served;
  }

  async function load(path: string, variant?: Variant): Promise<Served | undefined> {
    const found = await published(path);
    if (!found) {
      forget(path);
      return undefined;
    }
    const { real, info } = found;
    const hit = cache.get(path);
    if (
      hit &&
      hit.real === real &&
      hit.ino === info.ino &&
      hit.mtimeMs === info.mtimeMs &&
      hit.size === info.size &&
      hit.variant === (variant?.name ?? '')
    ) {
      // Served again: it moves to the back of the eviction order.
      cache.delete(path);
      cache.set(path, hit);
      return hit;
    }
    const key = `${path}\0${real}\0${info.ino}\0${variant?.name ?? ''}\0${info.mtimeMs}\0${info.size}`;
    let pending = loading.get(key);
    if (!pending) {
      pending = read(path, real, info, variant).finally(() => loading.delete(key));
      loading.set(key, pending);
      pending.then(
        (served) => keep(path, served),
        () => undefined,
      );
    }
    try {
      return await pending;
    } catch (error) {
      // Gone between the stat and the read, or a link put in its place.
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'ELOOP') {
        forget(path);
        return undefined;
      }
      throw error;
    }
  }

  return {
    /** How many files, and how many bytes with their encodings, are kept in memory now. */
    held(): { files: number; bytes: number } {
      return { files: cache.size, bytes: cachedBytes };
    },

    /** Where a URL path leads under out/, or why it may not be served. */
    resolve(urlPath: string): string | Refusal {
      let decoded: string;
      try {
        decoded = decodeURIComponent(urlPath);
      } catch {
        return { status: 400, message: 'the path is not valid percent-encoding' };
      }
      if (decoded.includes('\0') || decoded.includes('\\') || decoded.split('/').some((part) => part === '..' || part === '.')) {
        return { status: 400, message: 'the path leaves the published folders' };
      }
      const relative = decoded.replace(/^\/+/, '');
      if (Object.hasOwn(PUBLISHED_FILES, relative)) return join(outDir, relative);
      const [top] = relative.split('/');
      if (top === undefined || !Object.hasOwn(PUBLISHED_FOLDERS, top)) return { status: 404, message: 'no such page' };
      // A folder's address (ending in /) is its index.html.
      const full = normalize(join(outDir, relative.endsWith('/') ? `${relative}index.html` : relative));
      const folder = join(outDir, top);
      if (full !== folder && !full.startsWith(folder + sep)) return { status: 400, message: 'the path leaves the published folders' };
      return full;
    },

    /** Whether `path` (from `resolve`) is a folder with an index.html: its address wants a final slash. */
    async isFolderWithIndex(path: string): Promise<boolean> {
      const [folder, index] = await Promise.all([stat(path).catch(() => undefined), stat(join(path, 'index.html')).catch(() => undefined)]);
      return folder?.isDirectory() === true && index?.isFile() === true;
    },

    /**
     * The response for a file, honouring If-None-Match / If-Modified-Since and Accept-Encoding. A
     * variant serves the file changed by its transform, kept until the file or the variant changes.
     */
    async respond(path: string, request: ConditionalRequest, variant?: Variant): Promise<StaticResponse | undefined> {
      const served = await load(path, variant);
      if (!served) return undefined;
      const accepts = (coding: string) =>
        new RegExp(`(?:^|,)\\s*${coding}\\s*(?:;\\s*q=(?!0(?:\\.0*)?\\s*(?:,|$))[\\d.]+)?\\s*(?:,|$)`, 'i').test(
          request.acceptEncoding ?? '',
        );
      const encoding = served.bodies.br && accepts('br') ? 'br' : served.bodies.gzip && accepts('gzip') ? 'gzip' : 'identity';
      const etag = encoding === 'identity' ? served.etag : served.etag.replace(/"$/, `-${encoding}"`);
      const relative = path.slice(outDir.length + 1);
      const top = relative.split(sep)[0] ?? '';
      const headers: Record<string, string> = {
        'content-type': served.type,
        etag,
        'last-modified': served.lastModified,
        'cache-control': PUBLISHED_FILES[relative] ?? PUBLISHED_FOLDERS[top] ?? 'no-cache',
        vary: 'Accept-Encoding',
      };
      if (encoding !== 'identity') headers['content-encoding'] = encoding;
      const fresh =
        request.ifNoneMatch !== undefined ? matches(request.ifNoneMatch, etag) : notModifiedSince(request.ifModifiedSince, served.mtimeMs);
      if (fresh) return { status: 304, headers, body: undefined };
      return { status: 200, headers, body: served.bodies[encoding] };
    },
  };
}
