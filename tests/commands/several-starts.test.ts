import { mkdir, mkdtemp, rename, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fixture } from '../helpers/paths.ts';
import { has } from '../helpers/peers.ts';
import { asAdmin, throwawayDatabase } from '../helpers/postgres.ts';
import { PROCESS_TEST, startPaperboy, type Running } from '../helpers/process.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';
import { WEBHOOK_SECRET, WebhookReceiver } from '../helpers/webhook-receiver.ts';
import { ISSUE, sendingProject, until } from '../helpers/workers.ts';

const SUBSCRIBERS = 300;
// How long after the test begins the one tick comes: time for both machines to start and to find no digest.
const TICK_AFTER_S = 8;

describe.runIf(has('postgres', 'processes'))('paperboy start on several machines over one PostgreSQL database', () => {
  const database = throwawayDatabase();
  const running: Running[] = [];
  const sinks: SmtpSink[] = [];
  const receivers: WebhookReceiver[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.stop('SIGKILL')));
    await Promise.all(sinks.splice(0).map((s) => s.stop()));
    await Promise.all(receivers.splice(0).map((r) => r.down()));
  });

  const count = async (sql: string) => (await asAdmin((c) => c.query(sql), database.name)).rows[0].n as number;

  // A machine of its own: its data, digests and site folders, and its own web and inbound ports.
  async function machine(shared: Record<string, string>): Promise<Record<string, string>> {
    const base = await mkdtemp(join(tmpdir(), 'paperboy-starts-'));
    await mkdir(join(base, 'digests'));
    return {
      ...shared,
      PAPERBOY_DATA_DIR: join(base, 'data'),
      PAPERBOY_DIGESTS_DIR: join(base, 'digests'),
      PAPERBOY_OUT_DIR: join(base, 'out'),
      PAPERBOY_HOST: '127.0.0.1',
      PAPERBOY_PORT: '0',
      PAPERBOY_INBOUND_PORT: '0',
    };
  }

  it(
    'publishes the issue once when every schedule fires in the same tick; all serve, those that send share it, each subscriber gets it once',
    async () => {
      const sink = await new SmtpSink({ replyDelayMs: 10 }).start();
      sinks.push(sink);
      const receiver = new WebhookReceiver(WEBHOOK_SECRET);
      await receiver.up();
      receivers.push(receiver);
      // The daily schedule of both fires once a minute, at the same second: a few seconds from now.
      const tickAt = (Math.floor(Date.now() / 1000) + TICK_AFTER_S) * 1000;
      const shared = await sendingProject(database.url, SUBSCRIBERS, {
        PAPERBOY_SMTP_URL: sink.url,
        PAPERBOY_SMTP_CONNECTIONS: '2',
        PAPERBOY_SCHEDULE: `${new Date(tickAt).getUTCSeconds()} * * * * *`,
        PAPERBOY_SEND_LEASE: '2s',
        PAPERBOY_WEBHOOK_URL: receiver.url,
        PAPERBOY_WEBHOOK_SECRET: WEBHOOK_SECRET,
      });
      // Two machines that send, and a third told not to (PAPERBOY_SEND=0).
      const machines = [await machine(shared), await machine(shared), await machine({ ...shared, PAPERBOY_SEND: '0' })];
      for (const env of machines) running.push(startPaperboy(env, { group: true }));
      const [a, b, c] = running as [Running, Running, Running];
      const webs = await Promise.all(running.map((r) => r.webUrl()));
      for (const web of webs) expect((await fetch(`${web}/healthz`)).status).toBe(200);
      // The first run: one machine finds no digest, the others leave it to that one (or find it done).
      for (const r of running) await r.waitFor(() => /first run: /.test(r.stdout()), 'the first run');
      // The digest lands on every machine before the tick (on a slow machine, the tick of the next minute).
      const digest = readFileSync(fixture('digests', 'six-columns.md'), 'utf8');
      for (const env of machines) {
        const file = join(env.PAPERBOY_DIGESTS_DIR as string, `${ISSUE}.md`);
        await writeFile(`${file}.part`, digest);
        await rename(`${file}.part`, file);
      }
      // On a slow machine the machines start after the first tick: the one that counts comes after this.
      const landed = Date.now();
      expect(sink.messages).toHaveLength(0);

      // The one tick of each: one machine publishes, the others leave the tick to it (or find it done).
      const ticks = (r: Running) =>
        r.events().filter((e) => e.event === 'tick' && e.schedule === 'daily' && Date.parse(String(e.time)) >= Math.max(tickAt, landed));
      for (const r of running) await r.waitFor(() => ticks(r).length > 0, 'the tick', 90_000);
      await until(
        async () => (await count("SELECT count(*)::int AS n FROM dispatches WHERE status <> 'running'")) === 1,
        'the round closed',
        90_000,
      );
      const note = (await asAdmin((c) => c.query('SELECT status, note FROM dispatches'), database.name)).rows[0];
      expect(note?.status, JSON.stringify(note)).toBe('done');
      // The first of each (a slow machine may see the next minute's too, which finds it published or under way).
      // One machine publishes: it says what it sent (0 when it is the one told not to send). A machine
      // whose tick starts after that one's has ended joins the round, and its line says so too: with
      // nothing sent, the round's rows above being what tells one publication.
      const outcomes = running.map((r) => String(ticks(r)[0]?.outcome));
      const dispatched = outcomes.filter((outcome) => /^2031-02-03: \d+ sent/.test(outcome));
      expect(dispatched.length, JSON.stringify(outcomes)).toBeGreaterThanOrEqual(1);
      expect(dispatched.filter((outcome) => !/^2031-02-03: 0 sent/.test(outcome)).length, JSON.stringify(outcomes)).toBeLessThanOrEqual(1);

      // One round, one publication; each subscriber's message reached the relay once.
      expect(await count('SELECT count(*)::int AS n FROM dispatches')).toBe(1);
      expect(await count('SELECT count(*)::int AS n FROM publications WHERE mailed = 1')).toBe(1);
      const ids = sink.countsById();
      expect(ids.size, 'messages at the sink').toBe(SUBSCRIBERS);
      expect([...ids.values()].every((n) => n === 1)).toBe(true);
      expect(new Set(sink.messages.map((m) => m.to.join(','))).size).toBe(SUBSCRIBERS);
      // Every machine still serves the web; the receivers hear of it once.
      for (const web of webs) expect((await fetch(`${web}/healthz`)).status).toBe(200);
      const heard = (type: string) => receiver.received.filter((e) => e.type === type).length;
      await until(() => heard('issue.published') > 0 && heard('dispatch.finished') > 0, 'the events');
      for (const r of running) expect(await r.stop()).toBe(0);
      // The two that send both sent part of it, the third none (as their logs say once they stopped).
      const sentBy = (r: Running) =>
        r
          .events()
          .filter((e) => e.event === 'dispatched' || e.event === 'round sent')
          .reduce((sum, e) => sum + Number(e.sent ?? 0), 0);
      expect(sentBy(a) + sentBy(b)).toBe(SUBSCRIBERS);
      expect(sentBy(a)).toBeGreaterThan(0);
      expect(sentBy(b)).toBeGreaterThan(0);
      expect(sentBy(c)).toBe(0);
      expect(c.events().some((e) => e.event === 'worker started')).toBe(false);
      expect(heard('issue.published')).toBe(1);
      expect(heard('dispatch.finished')).toBe(1);
      for (const r of running) expect(r.events().filter((e) => e.level === 'error')).toEqual([]);
    },
    PROCESS_TEST.timeout,
  );
});
