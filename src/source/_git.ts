import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { GitHttpRequest, GitHttpResponse, HttpClient } from 'isomorphic-git';
import { SourceError } from '../errors.ts';
import { dayOfPath, type UpstreamFile } from './_take.ts';

/** A git source as the setting names it. */
export interface GitSpec {
  spec: string;
  url: string;
  branch: string | undefined;
  subfolder: string;
}

/** What fetching a branch found: its commit, and the digest files under the subfolder (none when `unchanged`). */
export interface GitFetch {
  revision: string;
  unchanged: boolean;
  files: UpstreamFile[];
  requests: number;
}

const formatMb = (bytes: number) => (bytes >= 1e6 ? `${Math.round(bytes / 1e6)} MB` : `${bytes} bytes`);

// The git library, loaded by the first fetch: a command that fetches nothing goes without it.
const gitLibrary = async () => {
  const [{ default: git }, { default: http }] = await Promise.all([import('isomorphic-git'), import('isomorphic-git/http/node')]);
  return { git, http };
};

/** How long a git server may stay silent (no answer, no byte of a body) before the fetch gives up. */
export const GIT_QUIET_MS = 30_000;

// Every response body is counted as it streams in; past the limit the fetch is aborted. A request
// that hears nothing from the server for `quietMs` (before its answer, or within its body) is aborted too.
function countingHttp(
  nodeHttp: HttpClient,
  limit: number,
  quietMs: number,
  spec: string,
  counter: { bytes: number; requests: number; silent?: SourceError },
): HttpClient {
  return {
    async request(request: GitHttpRequest): Promise<GitHttpResponse> {
      counter.requests++;
      const silence = new AbortController();
      let timer: NodeJS.Timeout | undefined;
      const heard = () => {
        clearTimeout(timer);
        timer = setTimeout(() => {
          // Said whatever git makes of the cut (an error of its own, an empty answer).
          counter.silent = new SourceError(`${spec}: the server sent nothing for ${quietMs / 1000} s; gave up`);
          silence.abort(counter.silent);
        }, quietMs);
      };
      const gaveUp = (error: unknown) => counter.silent ?? error;
      heard();
      const response = await nodeHttp.request({ ...request, signal: silence.signal }).catch((error: unknown) => {
        clearTimeout(timer);
        throw gaveUp(error);
      });
      const body = response.body;
      if (body === undefined) {
        clearTimeout(timer);
        return response;
      }
      heard();
      async function* counted(): AsyncGenerator<Uint8Array> {
        try {
          for await (const chunk of body as AsyncIterable<Uint8Array>) {
            heard();
            counter.bytes += chunk.byteLength;
            if (counter.bytes > limit) throw new SourceError(`${spec}: the fetch passed ${formatMb(limit)}; aborted`);
            yield chunk;
          }
          // Cut off by the silence, a body may just end: it is not whole.
          if (counter.silent !== undefined) throw counter.silent;
        } catch (error) {
          throw gaveUp(error);
        } finally {
          clearTimeout(timer);
        }
      }
      return { ...response, body: counted() };
    },
  };
}

// What went wrong, in one line that names the source.
function problemOf(spec: string, error: unknown): SourceError {
  if (error instanceof SourceError) return error;
  const e = error as { code?: string; message?: string; data?: { statusCode?: number; statusMessage?: string } };
  if (e.code === 'HttpError') {
    const status = e.data?.statusCode;
    const why = status === 404 || status === 403 || status === 401 ? 'no git repository there' : 'the server answered';
    return new SourceError(`${spec}: ${why} (HTTP ${status ?? '?'} ${e.data?.statusMessage ?? ''})`.trimEnd(), { cause: error });
  }
  if (e.code === 'SmartHttpError' || e.code === 'ParseError' || e.code === 'UnknownTransportError') {
    return new SourceError(`${spec}: not a git repository (the server does not speak git's smart HTTP)`, { cause: error });
  }
  if (e.code && /^E[A-Z]+$/.test(e.code)) return new SourceError(`${spec}: cannot reach the server (${e.code})`, { cause: error });
  return new SourceError(`${spec}: ${e.message ?? String(error)}`, { cause: error });
}

/** Where the fetched objects are kept between syncs, under the data folder. */
export function gitCacheOf(dataDir: string, spec: GitSpec): string {
  const key = createHash('sha256')
    .update(`${spec.url}#${spec.branch ?? ''}`)
    .digest('hex')
    .slice(0, 16);
  return join(dataDir, 'source', `${key}.git`);
}

/**
 * Fetches the branch (one commit deep, that branch only) into the cache, and lists the digest files
 * under the subfolder. When the branch still points at `known`, only the refs are asked for.
 */
export async function fetchGit(
  spec: GitSpec,
  cacheDir: string,
  options: { known: string | undefined; maxBytes: number; quietMs?: number | undefined },
): Promise<GitFetch> {
  const counter: { bytes: number; requests: number; silent?: SourceError } = { bytes: 0, requests: 0 };
  const { git, http: nodeHttp } = await gitLibrary();
  const http = countingHttp(nodeHttp, options.maxBytes, options.quietMs ?? GIT_QUIET_MS, spec.spec, counter);
  let revision: string;
  let ref: string;
  try {
    const refs = await git.listServerRefs({ http, url: spec.url, symrefs: true, protocolVersion: 1 });
    const head = refs.find((r) => r.ref === 'HEAD');
    ref = spec.branch === undefined ? (head?.target ?? 'HEAD') : `refs/heads/${spec.branch}`;
    const found = refs.find((r) => r.ref === ref);
    if (!found) throw new SourceError(`${spec.spec}: the repository has no branch ${spec.branch ?? '(default)'}`);
    revision = found.oid;
    if (revision === options.known) return { revision, unchanged: true, files: [], requests: counter.requests };
    fs.mkdirSync(cacheDir, { recursive: true });
    if (!fs.existsSync(join(cacheDir, 'HEAD'))) {
      await git.init({ fs, gitdir: cacheDir, bare: true });
      await git.addRemote({ fs, gitdir: cacheDir, remote: 'origin', url: spec.url });
    }
    const branch = ref.replace(/^refs\/heads\//, '');
    const fetched = await git.fetch({ fs, http, gitdir: cacheDir, url: spec.url, ref: branch, singleBranch: true, depth: 1, tags: false });
    revision = fetched.fetchHead ?? revision;
  } catch (error) {
    throw counter.silent ?? problemOf(spec.spec, error);
  }
  const files: UpstreamFile[] = [];
  // One cache for the walk: without it, each object read opens the pack again.
  const cache = {};
  const origin = `${spec.url}@${revision}`;
  let top: Awaited<ReturnType<typeof git.readTree>>;
  try {
    top = await git.readTree({ fs, gitdir: cacheDir, cache, oid: revision, ...(spec.subfolder ? { filepath: spec.subfolder } : {}) });
  } catch (error) {
    throw new SourceError(`${spec.spec}: the branch has no folder ${spec.subfolder}`, { cause: error });
  }
  // Walks the subfolder's tree: only regular files named for a day; symlinks and submodules are left.
  const walk = async (tree: typeof top.tree, prefix: string): Promise<void> => {
    for (const entry of tree) {
      const path = prefix + entry.path;
      if (entry.type === 'tree' && /^\d{4}(\/\d{2})?$/.test(path)) {
        await walk((await git.readTree({ fs, gitdir: cacheDir, cache, oid: entry.oid })).tree, `${path}/`);
      } else if (entry.type === 'blob' && (entry.mode === '100644' || entry.mode === '100755') && dayOfPath(path) !== undefined) {
        const { blob } = await git.readBlob({ fs, gitdir: cacheDir, cache, oid: entry.oid });
        files.push({ shown: spec.subfolder ? `${spec.subfolder}/${path}` : path, path, bytes: blob, origin });
      }
    }
  };
  await walk(top.tree, '');
  return { revision, unchanged: false, files, requests: counter.requests };
}
