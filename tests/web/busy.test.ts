import { afterAll, describe, expect, it } from 'vitest';
import { spawnPaperboy } from '../helpers/cli.ts';
import { holdWriteLock } from '../helpers/lock-holder.ts';
import { post, startWeb } from '../helpers/web.ts';

const web = await startWeb();
afterAll(() => web.close());

async function timed(run: () => Promise<Response>): Promise<{ ms: number; response: Response; body: string }> {
  const started = performance.now();
  const response = await run();
  const body = await response.text();
  return { ms: performance.now() - started, response, body };
}

describe('while another process holds the database\'s write lock', () => {
  it('feeds answer at once, a write answers 503 with Retry-After, and the command line says the database is busy', async () => {
    const holder = await holdWriteLock(web.dataDir);
    try {
      const subscribing = timed(() => post(web, '/subscribe', { email: 'waiting@example.org', cadence: 'daily' }));
      const feeds: number[] = [];
      for (let i = 0; i < 20; i++) feeds.push((await timed(() => fetch(`${web.url}/feeds/rss.xml`))).ms);
      const { response, ms, body } = await subscribing;
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('10');
      expect(body).toContain('Busy for a moment');
      expect(body).not.toMatch(/SqliteError|at .*\.ts:\d+/);
      expect(ms).toBeLessThan(5000);
      feeds.sort((a, b) => a - b);
      console.log(`feed latency while the lock is held: median ${feeds[10]?.toFixed(1)} ms, worst ${feeds.at(-1)?.toFixed(1)} ms; the write answered 503 after ${ms.toFixed(0)} ms`);
      // A server blocked by the lock would answer the feed as late as the write; this one does not.
      expect(feeds.at(-1)).toBeLessThan(ms / 3);
      const cli = await spawnPaperboy(['subscribers', 'add', 'cli@example.org'], { env: { PAPERBOY_DATA_DIR: web.dataDir } });
      expect(cli.status).toBe(1);
      expect(cli.stderr.trim().split('\n')).toHaveLength(1);
      expect(cli.stderr).toMatch(/the database is busy/);
    } finally {
      await holder.release();
    }
    const after = await post(web, '/subscribe', { email: 'waiting@example.org', cadence: 'daily' });
    expect(after.status).toBe(200);
  });
});
