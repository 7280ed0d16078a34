import type { Sql } from '../db/index.ts';

/** Where one digest file came from and when its bytes last changed upstream. */
export interface FileOrigin {
  /** The file, relative to the digests folder (`2024/10/04.md`). */
  path: string;
  /** The upstream commit (`<url>@<commit>`), or the URL it was fetched from. */
  origin: string;
  etag: string;
  lastModified: string;
  sha256: string;
  /** When a sync first saw these bytes. */
  changedAt: string;
  /** When a sync last saw the file upstream. */
  seenAt: string;
}

/** How the last syncs of a source went. */
export interface SyncState {
  source: string;
  /** The upstream commit of the last good sync (git), or ''. */
  revision: string;
  /** When a sync last succeeded, if ever. */
  goodAt: string | null;
  triedAt: string;
  /** Why the last try failed ('' when it did not). */
  problem: string;
}

interface OriginRow {
  path: string;
  origin: string;
  etag: string;
  last_modified: string;
  sha256: string;
  changed_at: string;
  seen_at: string;
}

const originOf = (row: OriginRow): FileOrigin => ({
  path: row.path,
  origin: row.origin,
  etag: row.etag,
  lastModified: row.last_modified,
  sha256: row.sha256,
  changedAt: row.changed_at,
  seenAt: row.seen_at,
});

/** The record of where digest files came from, and of each source's syncs: the one owner of that state. */
export class SourceRecords {
  constructor(private readonly sql: Sql) {}

  /** The origin of one file (path relative to the digests folder). */
  async get(path: string): Promise<FileOrigin | undefined> {
    const row = await this.sql.get<OriginRow>('SELECT * FROM source_files WHERE path = @path', { path });
    return row && originOf(row);
  }

  /** Every recorded file, by path. */
  async all(): Promise<FileOrigin[]> {
    return (await this.sql.all<OriginRow>('SELECT * FROM source_files ORDER BY path')).map(originOf);
  }

  /** Records a file as seen upstream; `changed` marks its bytes as new, and only then is its origin the one given. */
  async seen(file: Omit<FileOrigin, 'changedAt' | 'seenAt'>, changed: boolean, at: Date): Promise<void> {
    await this.sql.run(
      `INSERT INTO source_files (path, origin, etag, last_modified, sha256, changed_at, seen_at)
       VALUES (@path, @origin, @etag, @lastModified, @sha256, @now, @now)
       ON CONFLICT (path) DO UPDATE SET origin = CASE WHEN @changed = 1 THEN @origin ELSE source_files.origin END,
         etag = @etag, last_modified = @lastModified, sha256 = @sha256,
         changed_at = CASE WHEN @changed = 1 THEN @now ELSE source_files.changed_at END, seen_at = @now`,
      {
        path: file.path,
        origin: file.origin,
        etag: file.etag,
        lastModified: file.lastModified,
        sha256: file.sha256,
        now: at.toISOString(),
        changed: changed ? 1 : 0,
      },
    );
  }

  /** Marks a file as still there upstream and unchanged (a 304). */
  async touch(path: string, at: Date): Promise<void> {
    await this.sql.run('UPDATE source_files SET seen_at = @at WHERE path = @path', { at: at.toISOString(), path });
  }

  /** How the last syncs of a source went. */
  async state(source: string): Promise<SyncState | undefined> {
    return this.sql.get<SyncState>(
      'SELECT source, revision, good_at AS "goodAt", tried_at AS "triedAt", problem FROM source_syncs WHERE source = @source',
      { source },
    );
  }

  /** Records a sync: good (with the revision reached), or failed with its problem. */
  async synced(source: string, outcome: { revision: string } | { problem: string }, at: Date): Promise<void> {
    const now = at.toISOString();
    if ('revision' in outcome) {
      await this.sql.run(
        `INSERT INTO source_syncs (source, revision, good_at, tried_at, problem) VALUES (@source, @revision, @now, @now, '')
         ON CONFLICT (source) DO UPDATE SET revision = excluded.revision, good_at = excluded.good_at, tried_at = excluded.tried_at, problem = ''`,
        { source, revision: outcome.revision, now },
      );
    } else {
      await this.sql.run(
        `INSERT INTO source_syncs (source, tried_at, problem) VALUES (@source, @now, @problem)
         ON CONFLICT (source) DO UPDATE SET tried_at = excluded.tried_at, problem = excluded.problem`,
        { source, now, problem: outcome.problem },
      );
    }
  }
}
