import { afterEach, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config.ts';
import { ConfigError } from '../../src/errors.ts';
import { createLogger } from '../../src/log.ts';
import { DEFAULT_TIMING, retryDelayMs } from '../../src/webhooks/index.ts';
import { paperboy } from '../helpers/cli.ts';
import { testProject } from '../helpers/project.ts';
import { startWeb, type TestWeb } from '../helpers/web.ts';
import { WEBHOOK_SECRET, WebhookReceiver } from '../helpers/webhook-receiver.ts';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

const hooksFor = (receiver: WebhookReceiver) => ({ PAPERBOY_WEBHOOK_URL: receiver.url, PAPERBOY_WEBHOOK_SECRET: WEBHOOK_SECRET });

async function receiverUp(): Promise<WebhookReceiver> {
  const receiver = new WebhookReceiver(WEBHOOK_SECRET);
  await receiver.up();
  closers.push(() => receiver.down());
  return receiver;
}

// The value of a metric in the program's /metrics text.
async function metric(web: TestWeb, name: string): Promise<number> {
  const { text } = await web.app.metrics.render();
  return Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
}

async function waitFor(done: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > end) throw new Error(`still waiting after ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('webhook delivery', () => {
  it('delivers everything once, in order per subscriber, to a receiver that was refusing connections and then failing', async () => {
    const receiver = await receiverUp();
    await receiver.down();
    const lines: string[] = [];
    const log = createLogger('debug', (line) => lines.push(line));
    const web = await startWeb({ env: hooksFor(receiver), log, app: { webhookTiming: { firstRetryMs: 40, maxRetryMs: 150, pollMs: 20 } } });
    closers.push(() => web.close());
    const ids = [];
    for (const name of ['a', 'b', 'c']) ids.push((await web.store.add({ email: `${name}@example.org`, source: 'test' })).subscriber.id);
    for (const status of ['confirmed', 'unsubscribed', 'confirmed', 'unsubscribed'] as const) {
      for (const id of ids) await web.store.setStatus(id, status, `step ${status}`);
    }
    web.app.deliverWebhooks();
    // Down: connections refused.
    await waitFor(async () => (await metric(web, 'paperboy_webhook_delivery_failures_total')) >= 6);
    expect(receiver.received).toEqual([]);
    expect(await metric(web, 'paperboy_webhook_events_pending')).toBe(12);
    // Up, but failing: each subscriber's first event is refused twice.
    const refusals = new Map<string, number>();
    receiver.answer = (id) => {
      const n = (refusals.get(id) ?? 0) + 1;
      refusals.set(id, n);
      return n <= 2 ? 500 : 200;
    };
    await receiver.up();
    await receiver.until((received) => received.length === 12);
    await waitFor(async () => (await web.app.webhookEvents.pending()) === 0);

    expect(receiver.forged).toEqual([]);
    expect(new Set(receiver.received.map((r) => r.id)).size).toBe(12);
    for (const id of ids) {
      const theirs = receiver.received.filter((r) => r.data.subscriberId === id);
      expect(theirs.map((r) => r.data.status)).toEqual(['confirmed', 'unsubscribed', 'confirmed', 'unsubscribed']);
      // No later event of theirs was even tried before the one before it was taken.
      const firstTry = theirs.map((r) => receiver.attempts.indexOf(r.id));
      const taken = theirs.map((r) => receiver.attempts.lastIndexOf(r.id));
      for (let k = 1; k < theirs.length; k++) expect(firstTry[k]).toBeGreaterThan(taken[k - 1] as number);
    }
    expect(await metric(web, 'paperboy_webhook_events_pending')).toBe(0);
    expect(await metric(web, 'paperboy_webhook_delivery_failures_total')).toBeGreaterThanOrEqual(6 + 6);
    // The log says what failed, never the secret, nor more of the receiver than its origin.
    const failures = lines.filter((line) => line.includes('webhook not delivered'));
    expect(failures.some((line) => line.includes('ECONNREFUSED'))).toBe(true);
    expect(failures.some((line) => line.includes('HTTP 500'))).toBe(true);
    const key = WEBHOOK_SECRET.slice('whsec_'.length);
    for (const line of lines) {
      expect(line).not.toContain(key);
      expect(line).not.toContain('/hooks/paperboy');
    }
  });

  it('tries what waits at once when the loop starts again, and status shows what waits meanwhile', async () => {
    const receiver = await receiverUp();
    receiver.answer = () => 500;
    // The default pace: a failed event waits 5 s before its next attempt.
    const web = await startWeb({ env: hooksFor(receiver), app: { webhookTiming: { pollMs: 20 } } });
    closers.push(() => web.close());
    const ann = (await web.store.add({ email: 'ann@example.org', source: 'test' })).subscriber;
    await web.store.setStatus(ann.id, 'confirmed', 'confirmed on the web');
    const first = web.app.deliverWebhooks();
    await waitFor(async () => (await web.app.webhookEvents.backlog()).lastError !== null);
    await first?.stop();
    expect(receiver.attempts).toHaveLength(1);

    const env = { PAPERBOY_DATA_DIR: web.dataDir, ...hooksFor(receiver) };
    const status = await paperboy(['status'], { env });
    expect(status.stdout).toMatch(/^webhooks: 1 undelivered event since \S+; last failure: HTTP 500$/m);
    const json = JSON.parse((await paperboy(['status', '--json'], { env })).stdout) as { webhooks: { pending: number; lastError: string } };
    expect(json.webhooks).toMatchObject({ receivers: 1, pending: 1, lastError: 'HTTP 500' });
    expect(status.stdout + JSON.stringify(json)).not.toContain(WEBHOOK_SECRET.slice('whsec_'.length));

    receiver.answer = () => 204;
    const started = Date.now();
    web.app.deliverWebhooks();
    await receiver.until((received) => received.length === 1, 4_000);
    expect(Date.now() - started).toBeLessThan(DEFAULT_TIMING.firstRetryMs);
    expect(receiver.attempts).toHaveLength(2);
    expect(new Set(receiver.attempts).size).toBe(1);
  });

  it('runs in `serve`: events written before it started go out, and it stops with the server', async () => {
    const receiver = await receiverUp();
    const project = await testProject([], hooksFor(receiver));
    const app = openApp(loadConfig(project.env, project.base));
    const ann = (await app.store.add({ email: 'ann@example.org', source: 'test' })).subscriber;
    await app.store.setStatus(ann.id, 'confirmed', 'confirmed by replying to the confirmation email');
    await app.close();
    const stop = new AbortController();
    const serving = paperboy(['serve', '--port', '0'], {
      env: { ...project.env, PAPERBOY_LOG_LEVEL: 'silent' },
      cwd: project.base,
      signal: stop.signal,
    });
    await receiver.until((received) => received.length === 1);
    stop.abort();
    expect((await serving).status).toBe(0);
    expect(receiver.received[0]).toMatchObject({ type: 'subscriber.confirmed', data: { subscriberId: ann.id } });
  });

  it('runs in `start`: the publication it makes on starting is told by its own loop', async () => {
    const receiver = await receiverUp();
    const project = await testProject(['ann@example.org'], { ...hooksFor(receiver), PAPERBOY_PORT: '0', PAPERBOY_LOG_LEVEL: 'silent' });
    const stop = new AbortController();
    const starting = paperboy(['start'], { env: project.env, cwd: project.base, signal: stop.signal });
    await receiver.until((received) => received.length === 2);
    stop.abort();
    expect((await starting).status).toBe(0);
    expect(receiver.received.map((r) => [r.type, r.data.issue])).toEqual([
      ['dispatch.finished', '2031-02-03'],
      ['issue.published', '2031-02-03'],
    ]);
    expect(receiver.received[0]?.data).toMatchObject({ sent: 1, failed: 0 });
  });

  it('waits seconds after a first failure, and never more than ten minutes between attempts', () => {
    expect(retryDelayMs(1)).toBe(5_000);
    expect(retryDelayMs(2)).toBe(10_000);
    expect(retryDelayMs(8)).toBe(600_000);
    expect(retryDelayMs(40)).toBe(600_000);
  });
});

describe('webhook settings', () => {
  const load = (env: Record<string, string>) => () => loadConfig(env, '/nonexistent');
  it('takes https receivers, and plain http only on loopback', () => {
    const config = loadConfig(
      { PAPERBOY_WEBHOOK_URL: 'https://hooks.example.org/a, http://127.0.0.1:9000/b', PAPERBOY_WEBHOOK_SECRET: WEBHOOK_SECRET },
      '/nonexistent',
    );
    expect(config.webhooks).toEqual({
      urls: ['https://hooks.example.org/a', 'http://127.0.0.1:9000/b'],
      secret: WEBHOOK_SECRET,
      includeEmail: false,
    });
    expect(loadConfig({}, '/nonexistent').webhooks.urls).toEqual([]);
    expect(load({ PAPERBOY_WEBHOOK_URL: 'http://hooks.example.org/a?key=hidden', PAPERBOY_WEBHOOK_SECRET: WEBHOOK_SECRET })).toThrow(
      /PAPERBOY_WEBHOOK_URL: URL 1 must be https:\/\//,
    );
    expect(load({ PAPERBOY_WEBHOOK_URL: 'http://hooks.example.org/a?key=hidden', PAPERBOY_WEBHOOK_SECRET: WEBHOOK_SECRET })).not.toThrow(
      /hidden/,
    );
    expect(load({ PAPERBOY_WEBHOOK_URL: 'https://ok.example.org, ftp://x.example.org', PAPERBOY_WEBHOOK_SECRET: WEBHOOK_SECRET })).toThrow(
      /URL 2 must be https/,
    );
  });

  it('asks for a Standard Webhooks secret with the receivers, and never repeats it', () => {
    expect(load({ PAPERBOY_WEBHOOK_URL: 'https://hooks.example.org/a' })).toThrow(
      /PAPERBOY_WEBHOOK_SECRET: must be set when PAPERBOY_WEBHOOK_URL is/,
    );
    const bad = 'whsec_c2hvcnQ=';
    let message = '';
    try {
      loadConfig({ PAPERBOY_WEBHOOK_URL: 'https://hooks.example.org/a', PAPERBOY_WEBHOOK_SECRET: bad }, '/nonexistent');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/PAPERBOY_WEBHOOK_SECRET: must hold 24 to 64 bytes/);
    expect(message).not.toContain('c2hvcnQ');
    expect(load({ PAPERBOY_WEBHOOK_SECRET: 'not-a-secret' })).toThrow(/PAPERBOY_WEBHOOK_SECRET: must be whsec_/);
  });
});
