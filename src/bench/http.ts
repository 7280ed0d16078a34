import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scriptCommand } from '../workers.ts';
import { dateFromHeading } from '../digest/index.ts';
import { benchBuilder, sourceDigests } from './_digests.ts';
import type { BenchResult } from './result.ts';

const CONCURRENCY = 500;
const REQUESTS = 20_000;

function get(agent: Agent, port: number, path: string, headers: Record<string, string>): Promise<{ status: number; etag: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, etag: String(res.headers.etag ?? '') }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** 500 clients at once asking for the feed with If-None-Match, against `paperboy serve` in its own process. */
export async function benchConditionalFeeds(root: string): Promise<BenchResult> {
  const base = await mkdtemp(join(tmpdir(), 'paperboy-bench-web-'));
  await mkdir(join(base, 'digests'), { recursive: true });
  const sources = await sourceDigests(root);
  for (const text of sources) await writeFile(join(base, 'digests', `${dateFromHeading(text) ?? 'undated'}.md`), text);
  await benchBuilder(root, join(base, 'digests'), join(base, 'out'), 'http://127.0.0.1').build({ all: true });
  const env = {
    ...process.env,
    PAPERBOY_DIGESTS_DIR: join(base, 'digests'),
    PAPERBOY_OUT_DIR: join(base, 'out'),
    PAPERBOY_DATA_DIR: join(base, 'data'),
  };
  const server = spawn(process.execPath, [...scriptCommand(import.meta.url, '../cli'), 'serve', '--port', '0'], {
    env,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      server.stdout.on('data', (chunk: Buffer) => {
        const m = /listening on [\d.]+:(\d+)/.exec(chunk.toString());
        if (m) resolve(Number(m[1]));
      });
      server.once('exit', () => reject(new Error('the server stopped')));
    });
    const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const path = '/feeds/rss.xml';
    const { etag } = await get(agent, port, path, {});
    const latencies: number[] = [];
    let notModified = 0;
    let issued = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (issued < REQUESTS) {
          issued++;
          const t = performance.now();
          const { status } = await get(agent, port, path, { 'if-none-match': etag });
          latencies.push(performance.now() - t);
          if (status === 304) notModified++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    agent.destroy();
    latencies.sort((a, b) => a - b);
    const p99 = latencies[Math.floor(latencies.length * 0.99)] ?? 0;
    return {
      name: 'conditional feeds',
      target: '500 concurrent conditional feed requests answered with 304',
      figures: {
        requests: REQUESTS,
        concurrency: CONCURRENCY,
        '304 answers': notModified,
        'requests a second': Math.round(REQUESTS / seconds),
        'p50 ms': Number((latencies[Math.floor(latencies.length / 2)] ?? 0).toFixed(1)),
        'p99 ms': Number(p99.toFixed(1)),
      },
      pass: notModified === REQUESTS,
    };
  } finally {
    server.kill('SIGTERM');
  }
}
