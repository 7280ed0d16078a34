import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE, DatabaseBusyError, openDatabase, sqliteSql, type Db, type Sql } from '../../src/db/index.ts';
import { holdWriteLock, type LockHolder } from '../helpers/lock-holder.ts';
import { has } from '../helpers/peers.ts';

const opened: Sql[] = [];
const locks: LockHolder[] = [];
afterEach(async () => {
  for (const lock of locks.splice(0)) await lock.release();
  for (const sql of opened.splice(0)) await sql.close();
});

// A database as a server opens it: a statement never blocks for another process's lock.
async function open(waitMs?: number): Promise<{ sql: Sql; db: Db; dataDir: string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'paperboy-sql-'));
  const db = openDatabase(dataDir, { busyTimeoutMs: 0 });
  const sql = sqliteSql(db, waitMs === undefined ? {} : { waitMs });
  opened.push(sql);
  return { sql, db, dataDir };
}

const note = (sql: Sql, source: string) =>
  sql.run("INSERT INTO source_syncs (source, tried_at, problem) VALUES (@source, '2026-01-01T00:00:00Z', '')", { source });
const notes = async (sql: Sql) =>
  (await sql.all<{ source: string }>('SELECT source FROM source_syncs ORDER BY source')).map((r) => r.source);

describe('the SQLite face', () => {
  it('reads and writes with @name values, numbers back as numbers', async () => {
    const { sql } = await open();
    expect(sql.dialect).toBe('sqlite');
    expect(await note(sql, 'a')).toEqual({ changes: 1 });
    expect(await sql.get<{ n: number }>('SELECT count(*) AS n FROM source_syncs WHERE source = @source', { source: 'a' })).toEqual({
      n: 1,
    });
    expect(await sql.get('SELECT * FROM source_syncs WHERE source = @source', { source: 'none' })).toBeUndefined();
    expect(await sql.all('SELECT source FROM source_syncs')).toEqual([{ source: 'a' }]);
  });

  it('runs every statement of the work in its transaction, through its awaits and whichever face issues it; an inner transaction joins', async () => {
    const { sql, db } = await open();
    // A second face over the same connection (another deadline): one set of turns and transactions.
    const other = sqliteSql(db, { waitMs: 5_000 });
    const failing = sql.transaction(async () => {
      await note(sql, 'a');
      await sleep(5);
      await other.transaction(async () => {
        await note(other, 'b');
        expect(db.inTransaction).toBe(true);
      });
      await Promise.all([note(sql, 'c'), note(other, 'd')]);
      expect(await notes(sql)).toEqual(['a', 'b', 'c', 'd']);
      throw new Error('changed my mind');
    });
    await expect(failing).rejects.toThrow('changed my mind');
    // All of it is undone, the inner transaction's part too, and the connection is free again.
    expect(db.inTransaction).toBe(false);
    expect(await notes(sql)).toEqual([]);
    expect(await sql.transaction(async () => (await note(other, 'e')).changes)).toBe(1);
    expect(await notes(sql)).toEqual(['e']);
  });

  it('keeps a statement of other work out of an open transaction: it runs after the transaction, not inside it', async () => {
    const { sql } = await open();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const work = sql.transaction(async () => {
      await note(sql, 'inside');
      await gate;
      order.push('transaction ends');
      throw new Error('undone');
    });
    // Another piece of work writes while the transaction is open and waiting.
    await sleep(5);
    const outside = note(sql, 'outside').then(() => order.push('outside written'));
    const read = sql.all<{ source: string }>('SELECT source FROM source_syncs').then((rows) => rows.map((r) => r.source));
    await sleep(20);
    expect(order).toEqual([]);
    release();
    await expect(work).rejects.toThrow('undone');
    await outside;
    // Had it landed inside, the rollback would have taken it too; and the read saw nothing uncommitted.
    expect(order).toEqual(['transaction ends', 'outside written']);
    expect(await read).toEqual(['outside']);
    expect(await notes(sql)).toEqual(['outside']);
  });

  it('keeps a statement that outlives its transaction out of the transaction open when it runs', async () => {
    const { sql } = await open();
    let late: Promise<unknown> = Promise.resolve();
    await sql.transaction(async () => {
      // Work that goes on after its transaction has committed, without being awaited.
      late = sleep(20).then(() => note(sql, 'late'));
    });
    const undone = sql.transaction(async () => {
      await sleep(60);
      throw new Error('undone');
    });
    await expect(undone).rejects.toThrow('undone');
    await late;
    // Had it joined the second transaction, the rollback would have taken it too.
    expect(await notes(sql)).toEqual(['late']);
  });

  it('takes transactions one after another, in the order asked', async () => {
    const { sql } = await open();
    const order: string[] = [];
    const one = (name: string) =>
      sql.transaction(async () => {
        order.push(`${name} begins`);
        await sleep(5);
        await note(sql, name);
        order.push(`${name} ends`);
      });
    await Promise.all([one('a'), one('b'), one('c')]);
    expect(order).toEqual(['a begins', 'a ends', 'b begins', 'b ends', 'c begins', 'c ends']);
    expect(await notes(sql)).toEqual(['a', 'b', 'c']);
  });

  it('says what SQLite refused in one line naming the file', async () => {
    const { sql, dataDir } = await open();
    const readOnly = sqliteSql(new Database(join(dataDir, DATABASE_FILE), { readonly: true }));
    opened.push(readOnly);
    await expect(note(readOnly, 'x')).rejects.toThrow(`${join(dataDir, DATABASE_FILE)}: the database is read-only`);
    await expect(sql.run('INSERT INTO nowhere VALUES (1)')).rejects.toThrow(/no such table: nowhere/);
  });

  it('empties the log into the file when asked to forget what was deleted, after the transaction when inside one', async () => {
    const { sql, db } = await open();
    await note(sql, 'secret');
    await sql.transaction(async () => {
      await sql.run('DELETE FROM source_syncs');
      await sql.forgetDeleted(['source_syncs']);
      expect(db.inTransaction).toBe(true);
    });
    const [log] = db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    expect(log?.log).toBe(0);
  });
});

describe.runIf(has('processes'))('the SQLite face while another process holds the write lock', () => {
  it('waits without blocking, then takes the lock as soon as it is let go', async () => {
    const { sql, dataDir } = await open();
    const holder = await holdWriteLock(dataDir);
    locks.push(holder);
    let ticks = 0;
    const clock = setInterval(() => ticks++, 10);
    const started = performance.now();
    const writing = sql.transaction(() => note(sql, 'waited'));
    const single = note(sql, 'alone');
    await sleep(400);
    expect(await notes(sql)).toEqual([]);
    await locks.pop()?.release();
    await writing;
    await single;
    clearInterval(clock);
    expect(await notes(sql)).toEqual(['alone', 'waited']);
    // The event loop kept turning while the work waited.
    expect(ticks).toBeGreaterThan((performance.now() - started) / 10 / 4);
  });

  it('gives up after its deadline with a one-line DatabaseBusyError, for a transaction and for a lone write', async () => {
    const { sql, dataDir } = await open(300);
    locks.push(await holdWriteLock(dataDir));
    const started = performance.now();
    const failure = await sql.transaction(() => note(sql, 'never')).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DatabaseBusyError);
    expect((failure as Error).message).toBe(
      `${join(dataDir, DATABASE_FILE)}: the database is busy: another paperboy process is writing to it (a dispatch, an import); try again in a moment`,
    );
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
    await expect(note(sql, 'never')).rejects.toBeInstanceOf(DatabaseBusyError);
    // Reading goes on meanwhile.
    expect(await notes(sql)).toEqual([]);
  });
});
