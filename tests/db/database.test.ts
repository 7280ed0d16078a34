import { existsSync, rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATABASE_FILE, openDatabase } from '../../src/db/index.ts';
import { PaperboyError } from '../../src/errors.ts';

describe('opening the database', () => {
  it('refuses a schema from a newer paperboy, saying where, and leaves nothing open', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'paperboy-db-'));
    const path = join(dataDir, DATABASE_FILE);
    const newer = openDatabase(dataDir);
    newer.pragma('user_version = 999');
    newer.close();

    let failure: unknown;
    try {
      openDatabase(dataDir);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(PaperboyError);
    expect((failure as Error).message).toMatch(
      new RegExp(`^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: the database is from a newer paperboy \\(schema 999, `),
    );
    // SQLite removes the log and its index when the last connection to the file closes.
    expect([existsSync(`${path}-wal`), existsSync(`${path}-shm`)]).toEqual([false, false]);

    rmSync(path);
    const fresh = openDatabase(dataDir);
    expect(fresh.pragma('user_version', { simple: true })).toBeGreaterThan(0);
    fresh.close();
  });
});
