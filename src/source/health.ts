import type { DigestsSource } from '../config.ts';
import type { SourceRecords } from '../ledger/index.ts';

/** How the source's syncs went, as `status` and `/healthz` tell it. */
export interface SyncHealth {
  spec: string;
  /** The upstream commit of the last good sync (git). */
  revision: string | null;
  lastGoodSync: string | null;
  secondsSinceGoodSync: number | null;
  lastTry: string | null;
  /** Why the last try failed; null when it did not. */
  problem: string | null;
}

/** How the source's syncs went; null when the digests folder is its own source. */
export async function syncHealth(source: DigestsSource, records: SourceRecords, now: Date): Promise<SyncHealth | null> {
  if (source.kind === 'folder') return null;
  const state = await records.state(source.spec);
  const goodAt = state?.goodAt ?? null;
  return {
    spec: source.spec,
    revision: state?.revision || null,
    lastGoodSync: goodAt,
    secondsSinceGoodSync: goodAt ? Math.round((now.getTime() - Date.parse(goodAt)) / 1000) : null,
    lastTry: state?.triedAt ?? null,
    problem: state?.problem || null,
  };
}

/** When a day's file, new or changed upstream, has been unchanged for `settleMs`; undefined if it has already, or was never synced. */
export async function settlesAt(records: SourceRecords, day: string, settleMs: number, now: Date): Promise<Date | undefined> {
  const record = (await records.get(`${day.replaceAll('-', '/')}.md`)) ?? (await records.get(`${day}.md`));
  if (!record) return undefined;
  const at = new Date(Date.parse(record.changedAt) + settleMs);
  return at > now ? at : undefined;
}
