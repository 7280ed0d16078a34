import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { openDatabase, openPostgres, sqliteSql, type Sql } from '../db/index.ts';
import { scriptCommand } from '../workers.ts';
import { sourceDigests } from './_digests.ts';
import { senderEnv, startSink, throwawayDatabase } from './_peers.ts';
import type { BenchResult } from './result.ts';

const DAY = '2024-10-04';
const CONNECTIONS = 5;
const WORKERS = 4;
/** The list's size, unless PAPERBOY_BENCH_SIZE says otherwise; the small runs are a tenth of it. */
const SIZE = 1_000_000;
const MB = 1024;

/** What one measured process did: its time, its peak resident memory and its processor time. */
interface Measured {
  seconds: number;
  peakMb: number;
  cpuSeconds: number;
  status: number | null;
  stdout: string;
}

// A throwaway database, kept in `drops` to be dropped at the end; its URL.
async function throwaway(drops: (() => Promise<void>)[]): Promise<string> {
  const { url, drop } = await throwawayDatabase('pb_million');
  drops.push(drop);
  return url;
}

// A CSV of `count` readers, written as it goes.
async function writeCsv(path: string, count: number): Promise<void> {
  const out = createWriteStream(path);
  out.write('email,name,topics,cadence\n');
  for (let n = 1; n <= count; n++) {
    const row = `reader${n}@example.org,Reader ${n},Multimodal;Robotics,${n % 7 === 0 ? 'weekly' : 'daily'}\n`;
    if (!out.write(row)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

// Starts `paperboy ARGS` with its peak memory and processor time written to `peaks` when it exits.
function paperboy(args: string[], env: Record<string, string>, cwd: string, peaks: string): ChildProcess {
  const source = import.meta.url.endsWith('.ts');
  const peak = fileURLToPath(new URL(`./_peak${source ? '.ts' : '.js'}`, import.meta.url));
  // The program's script comes last: the peak's module is loaded before it (after tsx's loader, from source).
  const command = scriptCommand(import.meta.url, '../cli');
  return spawn(process.execPath, [...command.slice(0, -1), '--import', peak, ...command.slice(-1), ...args], {
    cwd,
    // The benchmark's own setting is not the program's.
    env: { ...process.env, PAPERBOY_BENCH_SIZE: undefined, ...env, BENCH_PEAK_FILE: peaks },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

interface Figures {
  pid: number;
  maxRssKb: number;
  cpuMs: number;
}

// What each process that wrote to `peaks` said, by pid.
async function figuresOf(peaks: string): Promise<Map<number, Figures>> {
  const text = await readFile(peaks, 'utf8').catch(() => '');
  const figures = text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Figures);
  return new Map(figures.map((f) => [f.pid, f]));
}

// Runs `paperboy ARGS` to its end.
async function measure(args: string[], env: Record<string, string>, cwd: string, peaks: string): Promise<Measured> {
  const started = performance.now();
  const child = paperboy(args, env, cwd, peaks);
  let stdout = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  const [status] = (await once(child, 'exit')) as [number | null];
  const seconds = (performance.now() - started) / 1000;
  const own = (await figuresOf(peaks)).get(child.pid ?? -1);
  return { seconds, peakMb: (own?.maxRssKb ?? 0) / MB, cpuSeconds: (own?.cpuMs ?? 0) / 1000, status, stdout };
}

// The messages sent in the round, and the seconds from the first to the last.
async function sentSpan(sql: Sql): Promise<{ sent: number; seconds: number }> {
  const span = await sql.get<{ sent: number; first: string; last: string }>(
    "SELECT count(*) AS sent, min(updated_at) AS first, max(updated_at) AS last FROM deliveries WHERE status = 'sent'",
  );
  return { sent: Number(span?.sent ?? 0), seconds: (Date.parse(span?.last ?? '') - Date.parse(span?.first ?? '')) / 1000 };
}

async function fillPostgres(url: string, count: number): Promise<void> {
  const sql = await openPostgres(url);
  try {
    const stamp = new Date().toISOString();
    await sql.run(
      `INSERT INTO subscribers (email, email_key, status, source, created_at, updated_at, confirmed_at, token_key)
       SELECT 'reader' || n || '@example.org', 'reader' || n || '@example.org', 'confirmed', 'bench', @stamp, @stamp, @stamp, md5(n::text)
       FROM generate_series(1, @count) n`,
      { count, stamp },
    );
  } finally {
    await sql.close();
  }
}

const mb = (m: Measured) => Math.round(m.peakMb);
const rate = (span: { sent: number; seconds: number }) => Math.round(span.sent / span.seconds);

/**
 * A million on one machine (PAPERBOY_BENCH_SIZE readers; a million unless told): `subscribers import`
 * of a CSV of them into SQLite and into PostgreSQL, `db copy` from the one to the other, then
 * `paperboy dispatch` of one issue to them through a sink that answers at once, on SQLite and on
 * PostgreSQL, and by `paperboy worker` ×4 on PostgreSQL; each a process of its own, measured by its
 * own peak memory. The dispatches are also run on a tenth of the list: a dispatch's memory must not
 * grow with it. Takes most of an hour at a million: run only when asked for (`--only million`).
 */
export async function benchMillion(root: string): Promise<BenchResult> {
  const size = Number(process.env.PAPERBOY_BENCH_SIZE ?? SIZE);
  const small = Math.round(size / 10);
  const base = await mkdtemp(join(tmpdir(), 'paperboy-bench-million-'));
  const peaks = join(base, 'peaks.jsonl');
  const [sample] = (await sourceDigests(root)).filter((t) => new RegExp(`Papers for ${DAY}`).test(t));
  await mkdir(join(base, 'digests'));
  await writeFile(join(base, 'digests', `${DAY}.md`), sample ?? '');
  const csv = join(base, 'list.csv');
  await writeCsv(csv, size);
  const databases: (() => Promise<void>)[] = [];
  const sink = await startSink();
  let workers: ChildProcess[] = [];
  const figures: Record<string, number | string> = {};
  const checks: boolean[] = [];
  try {
    const common = senderEnv(base, sink.port, CONNECTIONS);
    const sqliteEnv = (dir: string) => ({ ...common, PAPERBOY_DATA_DIR: dir });
    const postgresEnv = (url: string) => ({
      ...common,
      PAPERBOY_DATA_DIR: join(base, 'data-pg'),
      PAPERBOY_DATABASE_URL: url,
      PAPERBOY_SECRET: 'the-benchmark-secret-of-every-sender',
    });
    // The CSV's every seventh reader takes the weekly email: the daily issue goes to the others.
    const daily = size - Math.floor(size / 7);
    const imported = (m: Measured) => m.status === 0 && m.stdout.startsWith(`${size} subscribers added`);

    // The imports, and the copy from SQLite to PostgreSQL.
    const sqliteDir = join(base, 'data-sqlite');
    const intoSqlite = await measure(['subscribers', 'import', '--confirmed', csv], sqliteEnv(sqliteDir), root, peaks);
    const copyUrl = await throwaway(databases);
    const copy = await measure(['db', 'copy', '--to', copyUrl], sqliteEnv(sqliteDir), root, peaks);
    const importUrl = await throwaway(databases);
    const intoPostgres = await measure(['subscribers', 'import', '--confirmed', csv], postgresEnv(importUrl), root, peaks);
    figures['import into SQLite: seconds, peak MB'] = `${intoSqlite.seconds.toFixed(0)}, ${mb(intoSqlite)}`;
    figures['import into PostgreSQL: seconds, peak MB'] = `${intoPostgres.seconds.toFixed(0)}, ${mb(intoPostgres)}`;
    figures['db copy: seconds, peak MB'] = `${copy.seconds.toFixed(0)}, ${mb(copy)}`;
    checks.push(imported(intoSqlite), imported(intoPostgres), copy.status === 0);
    checks.push(...[intoSqlite, intoPostgres, copy].map((m) => m.peakMb < 200));

    // One process dispatching, on SQLite: a tenth of the list, then the whole list (the import's).
    const smallDir = join(base, 'data-sqlite-small');
    const smallSqlite = sqliteSql(openDatabase(smallDir));
    await smallSqlite.run(
      `WITH RECURSIVE n(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM n WHERE n < @count)
       INSERT INTO subscribers (email, email_key, status, source, created_at, updated_at, confirmed_at, token_key)
       SELECT 'reader' || n || '@example.org', 'reader' || n || '@example.org', 'confirmed', 'bench', @stamp, @stamp, @stamp, hex(randomblob(12))
       FROM n`,
      { count: small, stamp: new Date().toISOString() },
    );
    await smallSqlite.close();
    const dispatched: Record<string, { run: Measured; span: { sent: number; seconds: number } }> = {};
    for (const [label, dir, count] of [
      ['SQLite, a tenth', smallDir, small],
      ['SQLite', sqliteDir, daily],
    ] as const) {
      const run = await measure(['dispatch', '--date', DAY], sqliteEnv(dir), root, peaks);
      const sql = sqliteSql(openDatabase(dir));
      const span = await sentSpan(sql).finally(() => sql.close());
      dispatched[label] = { run, span };
      checks.push(run.status === 0 && span.sent === count);
    }

    // One process dispatching, on PostgreSQL: a tenth of the list, then the whole list (the import's).
    const smallUrl = await throwaway(databases);
    await fillPostgres(smallUrl, small);
    for (const [label, url, count] of [
      ['PostgreSQL, a tenth', smallUrl, small],
      ['PostgreSQL', importUrl, daily],
    ] as const) {
      const run = await measure(['dispatch', '--date', DAY], postgresEnv(url), root, peaks);
      const sql = await openPostgres(url);
      const span = await sentSpan(sql).finally(() => sql.close());
      dispatched[label] = { run, span };
      checks.push(run.status === 0 && span.sent === count);
    }
    for (const [label, { run, span }] of Object.entries(dispatched)) {
      figures[`dispatch, ${label} (${span.sent} sent): seconds, messages a second, peak MB, processor seconds`] =
        `${run.seconds.toFixed(0)}, ${rate(span)}, ${mb(run)}, ${run.cpuSeconds.toFixed(0)}`;
    }
    for (const store of ['SQLite', 'PostgreSQL']) {
      const whole = dispatched[store]?.run.peakMb ?? 0;
      const tenth = dispatched[`${store}, a tenth`]?.run.peakMb ?? 0;
      figures[`dispatch peak, ${store}: whole list ÷ a tenth`] = `${((whole / tenth - 1) * 100).toFixed(0)}%`;
      checks.push(whole < 200 && whole <= tenth * 1.2);
    }

    // Four workers on PostgreSQL, the whole list again (a new round).
    const sql = await openPostgres(importUrl);
    try {
      await sql.run('TRUNCATE deliveries, dispatches, publications, senders');
      const started = performance.now();
      workers = Array.from({ length: WORKERS }, () => paperboy(['worker'], postgresEnv(importUrl), root, peaks));
      for (let waited = 0; waited < 120_000; waited += 100) {
        if (((await sql.get<{ n: number }>('SELECT count(*) AS n FROM senders'))?.n ?? 0) >= WORKERS) break;
        await sleep(100);
      }
      const queued = await measure(['dispatch', '--queue-only', '--date', DAY], postgresEnv(importUrl), root, peaks);
      if (queued.status !== 0) throw new Error('million benchmark: dispatch --queue-only failed');
      for (;;) {
        const round = await sql.get<{ status: string }>('SELECT status FROM dispatches LIMIT 1');
        if (round?.status !== 'running') break;
        await sleep(500);
      }
      const seconds = (performance.now() - started) / 1000;
      const span = await sentSpan(sql);
      for (const worker of workers) worker.kill('SIGTERM');
      await Promise.all(workers.map((worker) => (worker.exitCode === null ? once(worker, 'exit') : undefined)));
      const each = await figuresOf(peaks);
      const of = workers.map((w) => each.get(w.pid ?? -1));
      figures[`${WORKERS} workers, PostgreSQL (${span.sent} sent): seconds, messages a second`] = `${seconds.toFixed(0)}, ${rate(span)}`;
      figures[`${WORKERS} workers: peak MB each`] = of.map((f) => Math.round((f?.maxRssKb ?? 0) / MB)).join(', ');
      figures[`${WORKERS} workers: processor seconds each`] = of.map((f) => Math.round((f?.cpuMs ?? 0) / 1000)).join(', ');
      figures['dispatch --queue-only: seconds, peak MB'] = `${queued.seconds.toFixed(0)}, ${mb(queued)}`;
      checks.push(span.sent === daily, ...of.map((f) => (f?.maxRssKb ?? Infinity) / MB < 200));
    } finally {
      await sql.close();
    }
  } finally {
    for (const worker of workers) worker.kill('SIGKILL');
    sink.process.kill('SIGTERM');
    for (const drop of databases) await drop();
    await rm(base, { recursive: true, force: true });
  }
  return {
    name: 'million',
    target:
      `${size} readers: import (SQLite, PostgreSQL), db copy and dispatch (SQLite, PostgreSQL, ${WORKERS} workers) each under 200 MB peak, ` +
      "and a dispatch's peak within 20% of its peak at a tenth of the list; every confirmed daily reader mailed",
    figures,
    pass: checks.every(Boolean),
  };
}
