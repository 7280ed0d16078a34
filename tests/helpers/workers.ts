import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openPostgres } from '../../src/db/index.ts';
import { BIN, childEnv } from './cli.ts';
import { fixture } from './paths.ts';
import type { SmtpSink } from './smtp-sink.ts';

/** The secret every process of a shared database signs with. */
export const SHARED_SECRET = 'one-secret-for-every-sender-0123456789abcdef';

/** The day of the sample issue the sending tests mail. */
export const ISSUE = '2031-02-03';

/**
 * A project folder of its own (the sample digest) over a PostgreSQL database holding `count`
 * confirmed subscribers (`r1@example.org`, …): the settings every process of a sending test is given.
 */
export async function sendingProject(url: string, count: number, settings: Record<string, string> = {}): Promise<Record<string, string>> {
  const base = await mkdtemp(join(tmpdir(), 'paperboy-senders-'));
  await mkdir(join(base, 'digests'));
  await writeFile(join(base, 'digests', `${ISSUE}.md`), readFileSync(fixture('digests', 'six-columns.md'), 'utf8'));
  const sql = await openPostgres(url);
  try {
    await sql.run(
      `INSERT INTO subscribers (email, email_key, status, source, created_at, updated_at, confirmed_at)
       SELECT 'r' || n || '@example.org', 'r' || n || '@example.org', 'confirmed', 'test', @now, @now, @now FROM generate_series(1, @count) n`,
      { count, now: new Date().toISOString() },
    );
  } finally {
    await sql.close();
  }
  return {
    PAPERBOY_DATA_DIR: join(base, 'data'),
    PAPERBOY_DIGESTS_DIR: join(base, 'digests'),
    PAPERBOY_OUT_DIR: join(base, 'out'),
    PAPERBOY_DATABASE_URL: url,
    PAPERBOY_SECRET: SHARED_SECRET,
    PAPERBOY_SMTP_RETRY_MS: '10',
    PAPERBOY_LOG_FORMAT: 'json',
    ...settings,
  };
}

/** A `paperboy worker` process (the real program), in a process group of its own. */
export interface WorkerProcess {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
  /** Signals its whole process group. */
  signal(signal: NodeJS.Signals): void;
}

/**
 * The workers and sinks a test file starts, killed and stopped after each test (a paused worker is
 * woken first, so that it dies).
 */
export function fleetPerTest(): { workers: WorkerProcess[]; sinks: SmtpSink[] } {
  const fleet = { workers: [] as WorkerProcess[], sinks: [] as SmtpSink[] };
  afterEach(async () => {
    for (const w of fleet.workers.splice(0)) {
      w.signal('SIGCONT');
      w.signal('SIGKILL');
    }
    await Promise.all(fleet.sinks.splice(0).map((s) => s.stop()));
  });
  return fleet;
}

/** Starts `paperboy worker` with the given settings. */
export function startWorker(env: Record<string, string>, cwd: string): WorkerProcess {
  const child = spawn(process.execPath, [BIN, 'worker'], { cwd, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    child,
    stderr: () => stderr,
    exited,
    signal(signal) {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        try {
          process.kill(-child.pid, signal);
        } catch {
          // Gone already.
        }
      }
    },
  };
}

/** Resolves once `predicate` holds (checked every 20 ms), or fails naming what it waited for. */
export async function until(predicate: () => boolean | Promise<boolean>, what: string, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
