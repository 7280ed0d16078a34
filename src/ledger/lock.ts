import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { PaperboyError } from '../errors.ts';
import { processAlive } from '../files.ts';
import { DatabaseBusyError, type Sql } from '../db/index.ts';

/** A held lock: kept alive while working, released when done. */
export interface Lock {
  /**
   * How it was found: free, held by a process that is gone (no such process on this host), or held
   * by one silent for a minute (perhaps only paused: what it holds may still be in its hands).
   */
  readonly found: 'free' | 'dead' | 'silent';
  release(): Promise<void>;
}

/** Another live process holds the lock. */
export class LockedError extends PaperboyError {
  override name = 'LockedError';
}

// Tells this process from an earlier one that had the same pid (containers reuse pids on restart).
const INCARNATION = randomBytes(8).toString('hex');

// A lock whose holder has not said it is alive for this long is taken over, whoever holds it.
const STALE_MS = 60_000;
const HEARTBEAT_MS = 10_000;

/** Who holds a lock, as the database says. */
export interface LockHolder {
  pid: number;
  host: string;
  acquiredAt: string;
  heartbeatAt: string;
  /** The holder is gone (no such process here, or silent for a minute): the next dispatch takes the lock over. */
  gone: boolean;
}

type LockRow = { pid: number; host: string; acquired_at: string; heartbeat_at: string; nonce: string };

const HELD = 'SELECT pid, host, acquired_at, heartbeat_at, nonce FROM locks WHERE name = @name';

/** The holder of the named lock, if anyone holds it. */
export async function lockHolder(sql: Sql, name: string, now: () => Date = () => new Date()): Promise<LockHolder | undefined> {
  const row = await sql.get<LockRow>(HELD, { name });
  if (!row) return undefined;
  const silent = now().getTime() - Date.parse(row.heartbeat_at) > STALE_MS;
  const dead = row.host === hostname() && !processAlive(row.pid);
  return { pid: row.pid, host: row.host, acquiredAt: row.acquired_at, heartbeatAt: row.heartbeat_at, gone: silent || dead };
}

/**
 * Takes the named lock in the database, or throws `LockedError` naming its holder. A lock held by a
 * process that is gone (same host, no such pid) or silent for a minute is taken over, so a killed
 * dispatch never blocks the next one for long.
 */
export async function acquireLock(sql: Sql, name: string, now: () => Date = () => new Date()): Promise<Lock> {
  const host = hostname();
  const found = await sql.transaction(async () => {
    const held = await sql.get<LockRow>(HELD, { name });
    let found: Lock['found'] = 'free';
    if (held) {
      const silent = now().getTime() - Date.parse(held.heartbeat_at) > STALE_MS;
      const ours = held.nonce === INCARNATION;
      const gone = !ours && held.host === host && (held.pid === process.pid || !processAlive(held.pid));
      if (!silent && !gone)
        throw new LockedError(
          `another dispatch is running (process ${held.pid} on ${held.host}, since ${held.acquired_at}); wait for it, or stop it`,
        );
      found = gone ? 'dead' : 'silent';
    }
    const stamp = now().toISOString();
    await sql.run(
      `INSERT INTO locks (name, pid, host, acquired_at, heartbeat_at, nonce) VALUES (@name, @pid, @host, @stamp, @stamp, @nonce)
       ON CONFLICT (name) DO UPDATE SET pid = excluded.pid, host = excluded.host, acquired_at = excluded.acquired_at,
         heartbeat_at = excluded.heartbeat_at, nonce = excluded.nonce`,
      { name, pid: process.pid, host, stamp, nonce: INCARNATION },
    );
    return found;
  });
  let beating: Promise<unknown> = Promise.resolve();
  const beat = setInterval(() => {
    // A beat that waits while another process writes is late, not lost; a holder whose beats stop
    // (its database closed) loses the lock a minute later.
    beating = sql
      .run('UPDATE locks SET heartbeat_at = @at WHERE name = @name AND nonce = @nonce', {
        at: now().toISOString(),
        name,
        nonce: INCARNATION,
      })
      .catch((error: unknown) => {
        if (!(error instanceof DatabaseBusyError)) clearInterval(beat);
      });
  }, HEARTBEAT_MS);
  beat.unref();
  return {
    found,
    async release() {
      clearInterval(beat);
      await beating;
      await sql.run('DELETE FROM locks WHERE name = @name AND nonce = @nonce', { name, nonce: INCARNATION });
    },
  };
}
