import type { DigestsSource } from '../config.ts';
import { SourceError } from '../errors.ts';
import { fetchGit, gitCacheOf } from './_git.ts';
import { takeFiles, type SyncReport } from './_take.ts';
import { fetchDays } from './_days.ts';
import type { SourceRecords } from '../ledger/index.ts';

export { dayOfPath, type SyncReport } from './_take.ts';
export { syncHealth, settlesAt, type SyncHealth } from './health.ts';

/** The most a sync may download: past it, the fetch is aborted. */
export const MAX_FETCH_BYTES = 50_000_000;

/** What a source is handed: where digests go, where its cache and records live, the clock. */
export interface SourceParts {
  digestsDir: string;
  dataDir: string;
  records: SourceRecords;
  now: () => Date;
  /** The days a URL pattern asks for, back from today. */
  maxLatenessMs: number;
  maxBytes?: number;
  /** How long a git server may stay silent before a fetch gives up (`GIT_QUIET_MS` by default). */
  quietMs?: number;
}

/** A place digests are fetched from into the digests folder. */
export interface DigestSource {
  /** The setting, as given. */
  readonly spec: string;
  /** Fetches once and takes what is new; throws a `SourceError` (recorded as the last try) when it cannot. */
  sync(): Promise<SyncReport>;
}

/** The source a setting names; undefined when the digests folder is its own source. */
export function createSource(source: DigestsSource, parts: SourceParts): DigestSource | undefined {
  if (source.kind === 'folder') return undefined;
  const { records, now } = parts;
  const maxBytes = parts.maxBytes ?? MAX_FETCH_BYTES;
  const fetchOnce = async (report: SyncReport): Promise<void> => {
    if (source.kind === 'git') {
      const known = (await records.state(source.spec))?.revision || undefined;
      const fetched = await fetchGit(source, gitCacheOf(parts.dataDir, source), { known, maxBytes, quietMs: parts.quietMs });
      report.revision = fetched.revision;
      report.requests += fetched.requests;
      await takeFiles(fetched.files, { digestsDir: parts.digestsDir, records, now: now() }, report);
      return;
    }
    const files = await fetchDays(
      source,
      { records, digestsDir: parts.digestsDir, now: now(), maxLatenessMs: parts.maxLatenessMs, maxBytes },
      report,
    );
    await takeFiles(files, { digestsDir: parts.digestsDir, records, now: now() }, report);
  };
  return {
    spec: source.spec,
    async sync() {
      const report: SyncReport = {
        source: source.spec,
        revision: undefined,
        added: [],
        changed: [],
        unchanged: 0,
        skipped: [],
        requests: 0,
      };
      try {
        await fetchOnce(report);
      } catch (error) {
        const problem =
          error instanceof SourceError ? error : new SourceError(`${source.spec}: ${(error as Error).message}`, { cause: error });
        await records.synced(source.spec, { problem: problem.message }, now());
        throw problem;
      }
      await records.synced(source.spec, { revision: report.revision ?? '' }, now());
      return report;
    },
  };
}
