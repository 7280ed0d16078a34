import { createHash } from 'node:crypto';
import { mkdir, readFile, realpath, rename, writeFile, rm } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { readDigest } from '../digest/index.ts';
import { isIsoDate } from '../iso-date.ts';
import type { SourceRecords } from '../ledger/index.ts';

/** What a sync did: the files it added and changed, and what it left aside and why. */
export interface SyncReport {
  /** The source as set. */
  source: string;
  /** The upstream commit reached (git), else undefined. */
  revision: string | undefined;
  added: string[];
  changed: string[];
  unchanged: number;
  /** Upstream files not taken (malformed, empty, too large), each `path:line: why`. */
  skipped: string[];
  /** Requests made to the upstream server. */
  requests: number;
}

/** One digest file as found upstream. */
export interface UpstreamFile {
  /** Where it is upstream, as messages name it (`archive/2024/10/04.md`, or its URL). */
  shown: string;
  /** Where it goes, relative to the digests folder, `/`-separated. */
  path: string;
  bytes: Uint8Array;
  origin: string;
  etag?: string;
  lastModified?: string;
}

const NESTED = /^(\d{4})\/(\d{2})\/(\d{2})\.md$/;
const FLAT = /^(\d{4})-(\d{2})-(\d{2})\.md$/;

/** The day a path names (`YYYY/MM/DD.md` or `YYYY-MM-DD.md`, relative), if it names one. */
export function dayOfPath(path: string): string | undefined {
  const match = NESTED.exec(path) ?? FLAT.exec(path);
  if (!match) return undefined;
  const day = `${match[1]}-${match[2]}-${match[3]}`;
  return isIsoDate(day) ? day : undefined;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

// Whether `target` would land inside `root` once links on the way are followed (a local symlink
// in the digests folder could point elsewhere).
async function inside(root: string, target: string): Promise<boolean> {
  const realRoot = await realpath(root);
  let dir = dirname(target);
  const missing: string[] = [];
  for (;;) {
    try {
      const real = await realpath(dir);
      const whole = join(real, ...missing.reverse());
      return whole === realRoot || whole.startsWith(realRoot + sep);
    } catch {
      missing.push(dir.slice(dirname(dir).length + 1));
      dir = dirname(dir);
    }
  }
}

// Writes a file so that a reader sees the old bytes or the new, never half: a temporary file, then a rename.
async function writeAtomically(path: string, bytes: Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temporary = join(dirname(path), `.${process.pid}-${Date.now()}.sync.tmp`);
  try {
    await writeFile(temporary, bytes);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

/**
 * Takes upstream files into the digests folder: a file whose bytes changed is written atomically,
 * one that cannot be read is left out (the local copy, if any, stays), and every one is recorded
 * with its origin. Files gone upstream are not touched: what was published stays published.
 */
export async function takeFiles(
  files: readonly UpstreamFile[],
  to: { digestsDir: string; records: SourceRecords; now: Date },
  report: SyncReport,
): Promise<void> {
  await mkdir(to.digestsDir, { recursive: true });
  for (const file of files) {
    const target = join(to.digestsDir, ...file.path.split('/'));
    if (dayOfPath(file.path) === undefined || !(await inside(to.digestsDir, target))) continue;
    const local = await readFile(target).catch(() => undefined);
    const changed = local === undefined || !Buffer.from(file.bytes).equals(local);
    const digestOfBytes = sha256(file.bytes);
    // Only bytes new here are read as a digest: an unchanged file was read when it came.
    if (changed) {
      const text = Buffer.from(file.bytes).toString('utf8');
      if (text.trim() === '') {
        report.skipped.push(`${file.shown}: empty upstream; taken once it has content`);
        continue;
      }
      const { errors } = readDigest(text);
      if (errors.length > 0) {
        report.skipped.push(...errors.map((e) => `${file.shown}:${e.line}: ${e.message}`));
        continue;
      }
      await writeAtomically(target, file.bytes);
    }
    const before = await to.records.get(file.path);
    const recordChanged = changed || before === undefined || before.sha256 !== digestOfBytes;
    const origin = {
      path: file.path,
      origin: file.origin,
      etag: file.etag ?? '',
      lastModified: file.lastModified ?? '',
      sha256: digestOfBytes,
    };
    await to.records.seen(origin, recordChanged, to.now);
    if (local === undefined) report.added.push(file.path);
    else if (changed) report.changed.push(file.path);
    else report.unchanged++;
  }
}
