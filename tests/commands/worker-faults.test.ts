import { describe, expect, it } from 'vitest';
import { paperboy } from '../helpers/cli.ts';
import { has } from '../helpers/peers.ts';
import { initdbPath, startPrivateServer, throwawayDatabase } from '../helpers/postgres.ts';
import { PROCESS_TEST } from '../helpers/process.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';
import { fleetPerTest, sendingProject, startWorker, until, type WorkerProcess } from '../helpers/workers.ts';
import pg from 'pg';

const CONNECTIONS = 5;
// Short leases, so a dead or paused worker's rows come back within seconds.
const LEASE_MS = 2_000;
const HEARTBEAT_MS = Math.floor(LEASE_MS / 3);

// The subscriber a message of the sample issue went to, from its Message-ID.
const subscriberOf = (messageId: string) => Number(/^paperboy\.[^.]+\.\d+\.(\d+)\./.exec(messageId)?.[1]);

async function query<Row>(url: string, text: string, values: unknown[] = []): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as Row[];
  } finally {
    await client.end();
  }
}

describe.runIf(has('postgres', 'processes'))('workers that die, pause, or lose the database', () => {
  const database = throwawayDatabase();
  const { workers, sinks } = fleetPerTest();

  // A project of `count` subscribers on `url`, a sink 20 ms late on every answer, and `n` workers up and waiting.
  async function ready(url: string, count: number, n: number) {
    const sink = await new SmtpSink({ replyDelayMs: 20 }).start();
    sinks.push(sink);
    const env = await sendingProject(url, count, {
      PAPERBOY_SMTP_URL: sink.url,
      PAPERBOY_SMTP_CONNECTIONS: String(CONNECTIONS),
      PAPERBOY_SEND_LEASE: `${LEASE_MS / 1000}s`,
    });
    const cwd = env.PAPERBOY_DIGESTS_DIR as string;
    const started = Array.from({ length: n }, () => startWorker(env, cwd));
    workers.push(...started);
    await until(
      async () => Number((await query<{ n: number }>(url, 'SELECT count(*)::int AS n FROM senders'))[0]?.n) >= n,
      'every worker up',
      90_000,
    );
    const opened = await paperboy(['dispatch', '--queue-only'], { env, cwd });
    expect(opened.stdout).toMatch(new RegExp(`: ${count} queued for the workers`));
    const done = () =>
      until(
        async () => (await query<{ status: string }>(url, 'SELECT status FROM dispatches'))[0]?.status === 'done',
        'the round closed',
        120_000,
      );
    return { sink, env, cwd, started, done };
  }

  const held = async (url: string, pid: number | undefined) =>
    (
      await query<{ id: number }>(url, "SELECT subscriber_id AS id FROM deliveries WHERE status = 'queued' AND lease_owner LIKE $1", [
        `%/${pid}/%`,
      ])
    ).map((r) => Number(r.id));

  const duplicatesOf = (sink: SmtpSink) => [...sink.countsById().values()].reduce((sum, n) => sum + n - 1, 0);

  it(
    'SIGKILL 2 of 4 a third of the way: the others finish, nothing is lost, the killed rows are sent again within the lease and two heartbeats',
    async () => {
      const count = 1_200;
      const { sink, started, done } = await ready(database.url, count, 4);
      await until(() => sink.messages.length >= count / 3, 'a third of the round');
      const killed = started.slice(0, 2);
      for (const w of killed) w.signal('SIGKILL');
      const killedAt = performance.now();
      await Promise.all(killed.map((w) => w.exited));
      const orphans = [...(await held(database.url, killed[0]?.child.pid)), ...(await held(database.url, killed[1]?.child.pid))];
      expect(orphans.length).toBeGreaterThan(0);
      // Taken over: no longer held by the killed, but sent, or held by a survivor (looked at every 20 ms).
      const killedOwners = killed.map((w) => `%/${w.child.pid}/%`);
      await until(
        async () =>
          (
            await query(
              database.url,
              "SELECT 1 FROM deliveries WHERE subscriber_id = ANY($1) AND status = 'queued' AND (lease_owner = '' OR lease_owner LIKE $2 OR lease_owner LIKE $3)",
              [orphans, ...killedOwners],
            )
          ).length === 0,
        'the killed workers’ rows taken over',
      );
      const takenOverMs = performance.now() - killedAt;
      await done();
      const ids = sink.countsById();
      expect(ids.size).toBe(count);
      expect(duplicatesOf(sink)).toBeLessThanOrEqual(2 * CONNECTIONS * killed.length);
      // Sent again: when the relay took each of them last (a row the killed had handed over without
      // recording it is sent once more), as the sink's own clock says, from the kill.
      const lastAt = new Map<number, number>();
      for (const m of sink.messages) lastAt.set(subscriberOf(m.messageId ?? ''), m.at);
      const sentAgainMs = Math.max(...orphans.map((id) => (lastAt.get(id) ?? Number.POSITIVE_INFINITY) - killedAt));
      expect(sentAgainMs).toBeLessThanOrEqual(LEASE_MS + 2 * HEARTBEAT_MS);
      console.info(
        `kill 2 of 4: ${count} delivered, ${duplicatesOf(sink)} duplicates, ${orphans.length} rows held by the killed, taken over after ${Math.round(takenOverMs)} ms, all sent again after ${Math.round(sentAgainMs)} ms`,
      );
    },
    PROCESS_TEST.timeout * 2,
  );

  it(
    'SIGSTOP one past its lease, then SIGCONT: nothing lost, and it sends none of the rows taken over while it slept',
    async () => {
      await query(database.url, 'TRUNCATE deliveries, dispatches, subscribers, senders, publications CASCADE');
      const count = 800;
      const { sink, started, done } = await ready(database.url, count, 2);
      await until(() => sink.messages.length >= count / 4, 'a quarter of the round');
      const paused = started[0] as WorkerProcess;
      paused.signal('SIGSTOP');
      const taken = await held(database.url, paused.child.pid);
      expect(taken.length).toBeGreaterThan(0);
      const sentIds = () => new Set([...sink.countsById().keys()].map(subscriberOf));
      await until(() => taken.every((id) => sentIds().has(id)), 'the paused worker’s rows sent by the other', 30_000);
      const wokenAt = sink.messages.length;
      paused.signal('SIGCONT');
      await done();
      expect(sink.countsById().size).toBe(count);
      // After it woke, only what was already inside an SMTP transaction when it stopped reached the relay again.
      const takenSet = new Set(taken);
      const afterWaking = sink.messages.slice(wokenAt).filter((m) => takenSet.has(subscriberOf(m.messageId ?? '')));
      // Every taken-over row was sent by the other before it woke: anything of them now is the woken worker's.
      expect(afterWaking.length).toBeLessThanOrEqual(CONNECTIONS);
      expect(duplicatesOf(sink)).toBeLessThanOrEqual(2 * CONNECTIONS);
      console.info(
        `stop/cont: ${count} delivered, ${duplicatesOf(sink)} duplicates, ${afterWaking.length} of the taken-over rows sent again after waking`,
      );
    },
    PROCESS_TEST.timeout * 2,
  );

  it.runIf(initdbPath() !== undefined)(
    'PostgreSQL restarted mid-round: the workers wait, resume, and lose nothing',
    async () => {
      const server = await startPrivateServer('restart-secret');
      try {
        const url = server.url('postgres', 'restart-secret');
        const count = 600;
        const { sink, done } = await ready(url, count, 2);
        await until(() => sink.messages.length >= count / 3, 'a third of the round');
        server.restart();
        await done();
        expect(sink.countsById().size).toBe(count);
        expect(duplicatesOf(sink)).toBeLessThanOrEqual(2 * CONNECTIONS * 2);
        const sent = await query<{ n: number }>(url, "SELECT count(*)::int AS n FROM deliveries WHERE status = 'sent'");
        expect(sent[0]?.n).toBe(count);
        console.info(`restart: ${count} delivered, ${duplicatesOf(sink)} duplicates`);
      } finally {
        for (const w of workers.splice(0)) w.signal('SIGKILL');
        server.stop();
      }
    },
    PROCESS_TEST.timeout * 2,
  );
});
