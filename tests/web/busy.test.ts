import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnPaperboy } from '../helpers/cli.ts';
import { holdWriteLock } from '../helpers/lock-holder.ts';
import { has } from '../helpers/peers.ts';
import { post, startWeb, type TestWeb } from '../helpers/web.ts';

describe.runIf(has('processes'))("while another process holds the database's write lock", () => {
  let web: TestWeb;
  beforeAll(async () => {
    web = await startWeb();
  });
  afterAll(() => web?.close());

  it('feeds answer while a write waits, the write answers 503 with Retry-After, and the command line says the database is busy', async () => {
    const holder = await holdWriteLock(web.dataDir);
    try {
      const started = performance.now();
      let settled = false;
      const subscribing = post(web, '/subscribe', { email: 'waiting@example.org', cadence: 'daily' }).finally(() => (settled = true));
      const cli = spawnPaperboy(['subscribers', 'add', 'cli@example.org'], { env: { PAPERBOY_DATA_DIR: web.dataDir } });
      // A server blocked by the lock answers nothing until the write gives up; this one keeps
      // serving feeds while the write waits (about two seconds): twenty, one after another.
      let answered = 0;
      while (!settled && answered < 20) {
        const feed = await fetch(`${web.url}/feeds/rss.xml`);
        expect(feed.status).toBe(200);
        await feed.arrayBuffer();
        if (!settled) answered++;
      }
      const response = await subscribing;
      const waited = performance.now() - started;
      const body = await response.text();
      console.log(`${answered} feeds answered while the write waited ${waited.toFixed(0)} ms for the lock`);
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('10');
      expect(body).toContain('Busy for a moment');
      expect(body).not.toMatch(/SqliteError|at .*\.ts:\d+/);
      expect(answered).toBeGreaterThanOrEqual(5);
      // It waits a bounded time, not until the lock is let go (20 s from now); margin for a loaded machine.
      expect(waited).toBeLessThan(10_000);
      const run = await cli;
      expect(run.status).toBe(1);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/the database is busy/);
    } finally {
      await holder.release();
    }
    const after = await post(web, '/subscribe', { email: 'waiting@example.org', cadence: 'daily' });
    expect(after.status).toBe(200);
  });
});
