import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { GIT_HTTP_BACKEND } from './peers.ts';

/** A git repository made in the test, committed to with the `git` binary. */
export interface UpstreamRepo {
  /** The working tree (its `.git` is what is served). */
  dir: string;
  /** Writes (or, with null, deletes) files and commits them; returns the new commit. */
  commit(files: Record<string, string | null>, message?: string): string;
  /** Makes a symbolic link in the tree (committed with the next commit). */
  link(path: string, target: string): void;
}

const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Upstream',
  GIT_AUTHOR_EMAIL: 'up@example.org',
  GIT_COMMITTER_NAME: 'Upstream',
  GIT_COMMITTER_EMAIL: 'up@example.org',
};

/** A new repository with a `main` branch, under a folder of its own. */
export function upstreamRepo(root = mkdtempSync(join(tmpdir(), 'paperboy-upstream-'))): UpstreamRepo {
  const dir = join(root, 'papers');
  mkdirSync(dir, { recursive: true });
  const run = (...args: string[]) => execFileSync('git', args, { cwd: dir, env: gitEnv, encoding: 'utf8' }).trim();
  run('init', '-q', '-b', 'main');
  return {
    dir,
    commit(files, message = 'update') {
      for (const [path, text] of Object.entries(files)) {
        const full = join(dir, path);
        if (text === null) rmSync(full, { force: true });
        else {
          mkdirSync(dirname(full), { recursive: true });
          writeFileSync(full, text);
        }
      }
      run('add', '-A');
      run('commit', '-q', '--allow-empty', '-m', message);
      return run('rev-parse', 'HEAD');
    },
    link(path, target) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      execFileSync('ln', ['-s', target, join(dir, path)]);
    },
  };
}

/** A loopback HTTP server the test can stop and start again on the same port, counting requests. */
export interface TestServer {
  url: string;
  requests: string[];
  stop(): Promise<void>;
  restart(): Promise<void>;
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<TestServer> {
  let server: Server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const requests: string[] = [];
  server.on('request', (req: IncomingMessage) => requests.push(`${req.method} ${req.url}`));
  const track = (s: Server) => s.on('request', (req: IncomingMessage) => requests.push(`${req.method} ${req.url}`));
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    async restart() {
      server = track(createServer(handler));
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
  };
}

/** Serves the repositories under `root` over git's smart HTTP, through `git http-backend` as a CGI program. */
export function gitServer(root: string): Promise<TestServer> {
  return serve((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const child = spawn(GIT_HTTP_BACKEND, [], {
      env: {
        PATH: process.env.PATH ?? '',
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        ...(req.headers['content-length'] ? { CONTENT_LENGTH: req.headers['content-length'] } : {}),
        ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: req.headers['content-encoding'] } : {}),
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    req.pipe(child.stdin);
    let head = Buffer.alloc(0);
    let started = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (started) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      started = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString().split('\r\n')) {
        const colon = line.indexOf(':');
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else res.setHeader(name, value);
      }
      res.writeHead(status);
      res.write(head.subarray(end + 4));
    });
    child.on('close', () => {
      if (!started) res.writeHead(502);
      res.end();
    });
  });
}

/** One day's file on the URL-pattern server: its text and validators. */
export interface DayFile {
  text: string;
  etag: string;
  lastModified: string;
}

/** A server for a URL pattern: `/days/YYYY/MM/DD.md`, answering 304 to conditional requests. */
export async function daysServer(files: Map<string, DayFile>): Promise<TestServer & { answered304: () => number }> {
  let answered = 0;
  const server = await serve((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname.replace(/^\/days\//, '');
    const file = files.get(path);
    if (!file) return void res.writeHead(404).end('not found');
    if (
      req.headers['if-none-match'] === file.etag ||
      (!req.headers['if-none-match'] && req.headers['if-modified-since'] === file.lastModified)
    ) {
      answered++;
      return void res.writeHead(304, { etag: file.etag }).end();
    }
    res.writeHead(200, { 'content-type': 'text/markdown', etag: file.etag, 'last-modified': file.lastModified }).end(file.text);
  });
  return Object.assign(server, { answered304: () => answered });
}
