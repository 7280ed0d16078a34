import { describe, expect, it } from 'vitest';
import { paperboy } from '../helpers/cli.ts';
import { has } from '../helpers/peers.ts';
import { asAdmin, throwawayDatabase } from '../helpers/postgres.ts';
import { PROCESS_TEST } from '../helpers/process.ts';
import { SmtpSink } from '../helpers/smtp-sink.ts';
import { fleetPerTest, sendingProject, startWorker, until } from '../helpers/workers.ts';

describe.runIf(has('postgres', 'processes'))('sending rates kept by every worker together', () => {
  const database = throwawayDatabase();
  const { workers, sinks } = fleetPerTest();

  it(
    'PAPERBOY_SMTP_RATE holds across 4 workers (within 10 %), and PAPERBOY_DOMAIN_RATES for its domains',
    async () => {
      const sink = await new SmtpSink().start();
      sinks.push(sink);
      const count = 300;
      const env = await sendingProject(database.url, count, {
        PAPERBOY_SMTP_URL: sink.url,
        PAPERBOY_SMTP_CONNECTIONS: '3',
        PAPERBOY_SMTP_RATE: '30',
        PAPERBOY_SEND_LEASE: '3s',
      });
      const cwd = env.PAPERBOY_DIGESTS_DIR as string;
      const query = async (text: string) => (await asAdmin((c) => c.query(text), database.name)).rows;
      // A tenth of the list on a slower domain of its own.
      await query(
        "UPDATE subscribers SET email = replace(email, 'example.org', 'slow.example'), email_key = replace(email_key, 'example.org', 'slow.example') WHERE id % 10 = 0",
      );
      const settings = { ...env, PAPERBOY_DOMAIN_RATES: 'slow.example=2/s' };
      for (let i = 0; i < 4; i++) workers.push(startWorker(settings, cwd));
      await until(async () => Number((await query('SELECT count(*)::int AS n FROM senders'))[0]?.n) >= 4, 'every worker up', 90_000);
      expect((await paperboy(['dispatch', '--queue-only'], { env: settings, cwd })).status).toBe(0);
      await until(async () => (await query('SELECT status FROM dispatches'))[0]?.status === 'done', 'the round closed', 120_000);
      expect(sink.countsById().size).toBe(count);
      const [window] = await query(
        "SELECT min(updated_at) AS first, max(updated_at) AS last FROM deliveries WHERE status = 'sent' AND subscriber_id % 10 <> 0",
      );
      const rate = async (where: string) => {
        const [row] = await query(
          `SELECT count(*)::int AS n, min(updated_at) AS first, max(updated_at) AS last FROM deliveries
           WHERE status = 'sent' AND ${where} AND updated_at BETWEEN '${window.first}' AND '${window.last}'`,
        );
        return (row.n - 1) / ((Date.parse(row.last) - Date.parse(row.first)) / 1000);
      };
      // Every message counts against the relay's rate, while the bulk of the list is sent.
      const others = await rate('true');
      const slow = await rate('subscriber_id % 10 = 0');
      console.info(`rates: ${others.toFixed(1)}/s overall (setting 30/s), ${slow.toFixed(2)}/s to slow.example (setting 2/s)`);
      expect(Math.abs(others - 30) / 30).toBeLessThanOrEqual(0.1);
      expect(slow).toBeLessThanOrEqual(2 * 1.1);
    },
    PROCESS_TEST.timeout,
  );
});
