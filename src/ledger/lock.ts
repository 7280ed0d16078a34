import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { PaperboyError } from '../errors.ts';
import { processAlive } from '../files.ts';
import type { Db } from '../db/index.ts';

/** A held lock: keep it alive while working, release it when done (a write: retry while busy). */
export interface Lock {
  release(): void;
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

/** The holder of the named lock, if anyone holds it. */
export function lockHolder(db: Db, name: string, now: () => Date = () => new Date()): LockHolder | undefined {
  const row = db
    .prepare<[string], { pid: number; host: string; acquired_at: string; heartbeat_at: string }>(
      'SELECT pid, host, acquired_at, heartbeat_at FROM locks WHERE name = ?',
    )
    .get(name);
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
export function acquireLock(db: Db, name: string, now: () => Date = () => new Date()): Lock {
  const host = hostname();
  const take = db.transaction(() => {
    const held = db
      .prepare<[string], { pid: number; host: string; acquired_at: string; heartbeat_at: string; nonce: string }>(
        'SELECT pid, host, acquired_at, heartbeat_at, nonce FROM locks WHERE name = ?',
      )
      .get(name);
    if (held) {
      const silent = now().getTime() - Date.parse(held.heartbeat_at) > STALE_MS;
      const ours = held.nonce === INCARNATION;
      const gone = !ours && held.host === host && (held.pid === process.pid || !processAlive(held.pid));
      if (!silent && !gone)
        throw new LockedError(
          `another dispatch is running (process ${held.pid} on ${held.host}, since ${held.acquired_at}); wait for it, or stop it`,
        );
    }
    const stamp = now().toISOString();
    db.prepare('INSERT OR REPLACE INTO locks (name, pid, host, acquired_at, heartbeat_at, nonce) VALUES (?, ?, ?, ?, ?, ?)').run(
      name,
      process.pid,
      host,
      stamp,
      stamp,
      INCARNATION,
    );
  });
  take.immediate();
  const beat = setInterval(() => {
    try {
      db.prepare('UPDATE locks SET heartbeat_at = ? WHERE name = ? AND nonce = ?').run(now().toISOString(), name, INCARNATION);
    } catch {
      // A beat missed while another process writes is made up by the next one; a holder whose
      // beats stop (its database closed) loses the lock a minute later.
      if (!db.open) clearInterval(beat);
    }
  }, HEARTBEAT_MS);
  beat.unref();
  return {
    release() {
      clearInterval(beat);
      db.prepare('DELETE FROM locks WHERE name = ? AND nonce = ?').run(name, INCARNATION);
    },
  };
}
