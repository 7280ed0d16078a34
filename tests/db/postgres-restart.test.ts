import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgres } from '../../src/db/postgres.ts';
import { has } from '../helpers/peers.ts';
import { startPrivateServer, type PrivateServer } from '../helpers/postgres.ts';

describe.runIf(has('initdb'))('a PostgreSQL server restarted under load', () => {
  let server: PrivateServer;
  beforeAll(async () => {
    server = await startPrivateServer('restart-pw-5120');
  });
  afterAll(() => server?.stop());

  it('makes statements and transactions wait and resume: none is lost, none is kept twice', async () => {
    const told: string[] = [];
    const sql = await openPostgres(server.url('postgres', 'restart-pw-5120'), { connections: 4, onIdleError: (m) => told.push(m) });
    try {
      await sql.run('CREATE TABLE done (worker INTEGER NOT NULL, step INTEGER NOT NULL, PRIMARY KEY (worker, step))');
      await sql.run('CREATE TABLE tally (n INTEGER NOT NULL); INSERT INTO tally VALUES (0)');
      const STEPS = 150;
      let restarted = false;
      let stepped = 0;
      // Four workers, each recording its steps one by one: two as lone statements, two in transactions.
      const worker = async (id: number) => {
        for (let step = 0; step < STEPS; step++) {
          // A lone statement tried again after a lost connection may have been carried out the first time: it is written to be harmless twice.
          if (id % 2 === 0) await sql.run('INSERT INTO done (worker, step) VALUES (@id, @step) ON CONFLICT DO NOTHING', { id, step });
          else
            await sql.transaction(async () => {
              await sql.run('INSERT INTO done (worker, step) VALUES (@id, @step)', { id, step });
              await sql.run('UPDATE tally SET n = n + 1');
            });
          stepped++;
          if (!restarted) await sleep(2);
        }
      };
      const workers = Promise.all([0, 1, 2, 3].map(worker));
      await sleep(150);
      const before = stepped;
      server.restart();
      restarted = true;
      await workers;
      // The restart came in the middle of the work.
      expect(before).toBeGreaterThan(0);
      expect(before).toBeLessThan((4 * STEPS) / 2);
      const counts = await sql.all<{ worker: number; n: number }>('SELECT worker, COUNT(*) AS n FROM done GROUP BY worker ORDER BY worker');
      expect(counts).toEqual([0, 1, 2, 3].map((worker) => ({ worker, n: STEPS })));
      expect(await sql.get('SELECT n FROM tally')).toEqual({ n: 2 * STEPS });
      expect(told.join('\n')).not.toContain('restart-pw-5120');
    } finally {
      await sql.close();
    }
  });
});
