import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { openPostgres } from '../db/index.ts';
import { scriptCommand } from '../workers.ts';
import { sourceDigests } from './_digests.ts';
import { senderEnv, startSink, throwawayDatabase } from './_peers.ts';
import type { BenchResult } from './result.ts';

const SUBSCRIBERS = 6_000;
const CONNECTIONS = 5;
const LATENCY_MS = 20;
const DAY = '2024-10-04';

function paperboy(args: string[], env: Record<string, string>, cwd: string): ChildProcess {
  return spawn(process.execPath, [...scriptCommand(import.meta.url, '../cli'), ...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

// Processor time a process used so far, in ms (Linux: /proc/PID/stat, user and system, in clock ticks of 10 ms).
async function cpuMsOf(pid: number | undefined): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) * 10;
}

const exited = (child: ChildProcess) => new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

/**
 * `paperboy worker` over PostgreSQL: 6,000 subscribers through a relay that answers every command
 * 20 ms late, by 1, 2 and 4 workers of 5 connections each. The relay's latency is the limit, not the
 * processor: 4 workers should send at least 3 times as many messages a second as one, 2 at least 1.8 times.
 */
export async function benchWorkers(root: string): Promise<BenchResult> {
  const { url, drop } = await throwawayDatabase('pb_bench');
  const [sample] = (await sourceDigests(root)).filter((t) => new RegExp(`Papers for ${DAY}`).test(t));
  const base = await mkdtemp(join(tmpdir(), 'paperboy-bench-workers-'));
  await mkdir(join(base, 'digests'));
  await writeFile(join(base, 'digests', `${DAY}.md`), sample ?? '');
  const sink = await startSink(['delay', String(LATENCY_MS)]);
  const sql = await openPostgres(url);
  const rates: Record<number, number> = {};
  const cpuPerMessage: Record<number, number> = {};
  let workers: ChildProcess[] = [];
  try {
    const stamp = new Date().toISOString();
    await sql.run(
      `INSERT INTO subscribers (email, email_key, status, source, created_at, updated_at, confirmed_at)
       SELECT 'reader' || n || '@example.org', 'reader' || n || '@example.org', 'confirmed', 'bench', @stamp, @stamp, @stamp
       FROM generate_series(1, @count) n`,
      { count: SUBSCRIBERS, stamp },
    );
    const env = {
      ...senderEnv(base, sink.port, CONNECTIONS),
      PAPERBOY_DATABASE_URL: url,
      PAPERBOY_SECRET: 'the-benchmark-secret-of-every-worker',
      PAPERBOY_DATA_DIR: join(base, 'data'),
    };
    for (const count of [1, 2, 4]) {
      await sql.run('TRUNCATE deliveries, dispatches, publications, senders');
      workers = Array.from({ length: count }, () => paperboy(['worker'], env, root));
      // Every worker is up (it says so in the senders table) before the round opens.
      for (let waited = 0; waited < 60_000; waited += 100) {
        if (((await sql.get<{ n: number }>('SELECT count(*) AS n FROM senders'))?.n ?? 0) >= count) break;
        await sleep(100);
      }
      const queued = paperboy(['dispatch', '--queue-only', '--date', DAY], env, root);
      if ((await exited(queued)) !== 0) throw new Error('workers benchmark: dispatch --queue-only failed');
      for (;;) {
        const round = await sql.get<{ status: string }>('SELECT status FROM dispatches LIMIT 1');
        if (round?.status !== 'running') break;
        await sleep(100);
      }
      // From the first message taken to the last: the workers' own pace, not their start.
      const span = await sql.get<{ sent: number; first: string; last: string }>(
        "SELECT count(*) AS sent, min(updated_at) AS first, max(updated_at) AS last FROM deliveries WHERE status = 'sent'",
      );
      const seconds = (Date.parse(span?.last ?? '') - Date.parse(span?.first ?? '')) / 1000;
      rates[count] = (span?.sent ?? 0) / seconds;
      // The workers' processor time per message (their start included): what more workers ask of the machine.
      const cpu = (await Promise.all(workers.map((w) => cpuMsOf(w.pid)))).reduce((sum, ms) => sum + ms, 0);
      cpuPerMessage[count] = cpu / Math.max(1, span?.sent ?? 0);
      for (const worker of workers) worker.kill('SIGTERM');
      await Promise.all(workers.map(exited));
    }
  } finally {
    for (const worker of workers) worker.kill('SIGKILL');
    await sql.close();
    sink.process.kill('SIGTERM');
    await drop();
  }
  const [one, two, four] = [rates[1] ?? 0, rates[2] ?? 0, rates[4] ?? 0];
  return {
    name: 'workers',
    target: '2 workers ≥ 1.8× and 4 workers ≥ 3× the messages a second of 1 (6,000 subscribers, 5 connections each, 20 ms relay latency)',
    figures: {
      'messages a second, 1 worker': Math.round(one),
      'messages a second, 2 workers': Math.round(two),
      'messages a second, 4 workers': Math.round(four),
      '2 workers ÷ 1': Number((two / one).toFixed(2)),
      '4 workers ÷ 1': Number((four / one).toFixed(2)),
      'worker processor ms a message, 1 / 2 / 4 workers': [1, 2, 4].map((n) => (cpuPerMessage[n] ?? 0).toFixed(2)).join(' / '),
    },
    pass: two >= 1.8 * one && four >= 3 * one,
  };
}
