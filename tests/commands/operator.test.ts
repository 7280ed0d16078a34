import { connect } from 'node:net';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheus from 'parse-prometheus-text-format';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { dispatchIssue, fileTransport } from '../../src/deliver/index.ts';
import { paperboy } from '../helpers/cli.ts';
import { fixtureIssue, testContext } from '../helpers/dispatch.ts';
import { startPaperboy } from '../helpers/process.ts';
import { readers, testProject } from '../helpers/project.ts';
import { startWeb } from '../helpers/web.ts';
import { has } from '../helpers/peers.ts';

const reachable = (host: string, port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => resolve(socket.destroy() === socket));
    socket.once('error', () => resolve(false));
  });

describe('a first run', () => {
  it('puts the site at the port it serves on when no site address is set', () => {
    expect(loadConfig({ PAPERBOY_PORT: '19200' }, '/nonexistent').siteUrl).toBe('http://localhost:19200');
    expect(loadConfig({}, '/nonexistent').siteUrl).toBe('http://localhost:8080');
    expect(loadConfig({ PAPERBOY_PORT: '19200', PAPERBOY_SITE_URL: 'https://papers.example.org/' }, '/nonexistent').siteUrl).toBe(
      'https://papers.example.org',
    );
  });

  it.runIf(has('processes'))('listens where PAPERBOY_HOST says, both servers, and says so truly', async () => {
    const project = await testProject(readers(1), {
      PAPERBOY_HOST: '127.0.0.2',
      PAPERBOY_PORT: '0',
      PAPERBOY_INBOUND_PORT: '0',
      PAPERBOY_SCHEDULE: '0 0 1 1 *',
    });
    const job = startPaperboy(project.env);
    try {
      await job.waitFor(() => /inbound: .*listening on/.test(job.stdout()), 'the banner');
      // Stopped only once its first run is over (the banner comes before it asks for SIGTERM).
      await job.waitFor(() => job.stdout().includes('first run:'), 'the first run');
      const web = /web: .*listening on 127\.0\.0\.2:(\d+)\)/.exec(job.stdout());
      const inbound = /inbound: .*listening on 127\.0\.0\.2:(\d+)/.exec(job.stdout());
      expect(web).not.toBeNull();
      expect(inbound).not.toBeNull();
      for (const port of [Number(web?.[1]), Number(inbound?.[1])]) {
        expect(await reachable('127.0.0.2', port)).toBe(true);
        expect(await reachable('127.0.0.1', port)).toBe(false);
      }
    } finally {
      expect(await job.stop()).toBe(0);
    }
  });
});

describe('the command line', () => {
  it('prints its version, and exits 2 on an unknown benchmark', async () => {
    const version = await paperboy(['--version']);
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const bench = await paperboy(['bench', '--only', 'nosuch']);
    expect(bench.status).toBe(2);
    expect(bench.stderr).toMatch(/no benchmark is named like that/);
  });

  it('creates nothing for commands that only read, in an empty folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paperboy-empty-'));
    for (const args of [
      ['status'],
      ['status', '--json'],
      ['subscribers', 'list'],
      ['subscribers', 'list', '--count'],
      ['subscribers', 'export'],
      ['check'],
    ]) {
      await paperboy(args, { cwd: dir });
    }
    expect((await paperboy(['status'], { cwd: dir })).stdout).toMatch(/subscribers: 0 confirmed/);
    expect(await readdir(dir)).toEqual([]);
  });

  it('warns of a setting that does not exist, naming the closest one', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paperboy-typo-'));
    const run = await paperboy(['status'], { cwd: dir, env: { PAPERBOY_SMTP_URI: 'smtp://relay.example:25' } });
    expect(run.stderr).toContain('PAPERBOY_SMTP_URI is not a setting, so it is ignored; did you mean PAPERBOY_SMTP_URL?');
  });
});

describe('health and metrics', () => {
  it('/healthz says 200 while the database works; /metrics needs the token, parses as Prometheus text, and moves after a dispatch', async () => {
    const token = 'a-metrics-token-of-enough-length';
    const web = await startWeb({ metricsToken: token });
    try {
      const health = await fetch(`${web.url}/healthz`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', database: 'ok' });
      expect((await fetch(`${web.url}/metrics`)).status).toBe(401);
      expect((await fetch(`${web.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-of-some-length' } })).status).toBe(401);
      const scrape = async () => {
        const response = await fetch(`${web.url}/metrics`, { headers: { authorization: `Bearer ${token}` } });
        expect(response.status).toBe(200);
        expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
        const families = parsePrometheus(await response.text());
        const value = (name: string, labels: Record<string, string> = {}) =>
          Number(
            families.find((f) => f.name === name)?.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
              ?.value ?? NaN,
          );
        return { families, value };
      };
      await web.store.add({ email: 'counted@example.org', status: 'confirmed', source: 'test' });
      const before = await scrape();
      expect(before.value('paperboy_subscribers', { status: 'confirmed' })).toBe(1);
      expect(before.value('paperboy_deliveries', { outcome: 'sent' })).toBe(0);
      for (const name of [
        'paperboy_bounces',
        'paperboy_complaints',
        'paperboy_last_dispatch_duration_seconds',
        'paperboy_last_publication_timestamp_seconds',
        'paperboy_http_requests_total',
        'paperboy_inbound_messages_total',
      ]) {
        expect(before.families.map((f) => f.name)).toContain(name);
      }
      await dispatchIssue(await fixtureIssue(), testContext(web.sql, fileTransport(web.outbox), { site: web.ctx.site }));
      const after = await scrape();
      expect(after.value('paperboy_deliveries', { outcome: 'sent' })).toBe(1);
      expect(after.value('paperboy_http_requests_total', { route: '/healthz', status: '200' })).toBe(1);
      // A database that cannot be used makes the check fail, so that a supervisor can act.
      await web.sql.close();
      const down = await fetch(`${web.url}/healthz`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ status: 'unavailable' });
    } finally {
      await web.close();
    }
  });

  it('/metrics is off without a token', async () => {
    const web = await startWeb();
    try {
      expect((await fetch(`${web.url}/metrics`)).status).toBe(404);
    } finally {
      await web.close();
    }
  });
});
