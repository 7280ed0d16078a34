import type { Dirent } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { DigestError, PaperboyError } from '../errors.ts';
import { fileProblem } from '../files.ts';
import { isIsoDate } from '../iso-date.ts';

/** A digest file and the day it is for. */
export interface DigestFile {
  path: string;
  date: string;
}

const FLAT = /(?:^|\/)(\d{4}-\d{2}-\d{2})\.md$/;
const NESTED = /(?:^|\/)(\d{4})\/(\d{2})\/(\d{2})\.md$/;
const HEADING_DATE = /^\s{0,3}#{1,6}\s*Papers\s+for\s+(\d{4}-\d{2}-\d{2})\b/im;

/** The date a digest's file name gives (`YYYY-MM-DD.md` or `YYYY/MM/DD.md`), if any. */
export function dateFromPath(path: string): string | undefined {
  const posix = path.split(sep).join('/');
  const flat = FLAT.exec(posix);
  if (flat) return flat[1];
  const nested = NESTED.exec(posix);
  return nested ? `${nested[1]}-${nested[2]}-${nested[3]}` : undefined;
}

/** The date of a digest's heading, which wins over its file name. */
export function dateFromHeading(text: string): string | undefined {
  const date = HEADING_DATE.exec(text)?.[1];
  return date !== undefined && isIsoDate(date) ? date : undefined;
}

/** A path named like a digest that is not read, and why. */
export interface SkippedPath {
  path: string;
  why: string;
}

/**
 * Every regular file under `dir` named like a digest, in path order, and the paths named like one
 * that are skipped: a symbolic link (it could point anywhere), a folder. Nothing is read.
 */
export async function listDigestEntries(dir: string): Promise<{ files: string[]; skipped: SkippedPath[] }> {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (error) {
    throw new PaperboyError(`${dir}: cannot read: ${fileProblem(error, 'folder')}`, { cause: error });
  }
  const named = entries.filter((e) => dateFromPath(join(relative(dir, e.parentPath), e.name)) !== undefined);
  const files = named
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
  const skipped = named
    .filter((e) => !e.isFile())
    .map((e) => ({
      path: join(e.parentPath, e.name),
      why: e.isSymbolicLink()
        ? 'a symbolic link, not a digest file: skipped'
        : e.isDirectory()
          ? 'a folder, not a digest file: skipped'
          : 'not a regular file: skipped',
    }))
    .sort((a, b) => a.path.localeCompare(b.path));
  return { files, skipped };
}

/** Every regular file under `dir` named like a digest, in path order; nothing is read. */
export async function listDigestFiles(dir: string): Promise<string[]> {
  return (await listDigestEntries(dir)).files;
}

/** Lines at which a heading sits, for messages about duplicates. */
function headingLine(text: string): number {
  const index = text.search(HEADING_DATE);
  return index === -1 ? 1 : text.slice(0, index).split('\n').length;
}

/** Pairs of files that hold the digest of the same day: `[later, earlier]` in the order given. */
export function sameDay<T extends { date: string }>(files: readonly T[]): [T, T][] {
  const seen = new Map<string, T>();
  const pairs: [T, T][] = [];
  for (const file of files) {
    if (file.date === '') continue;
    const first = seen.get(file.date);
    if (first) pairs.push([file, first]);
    else seen.set(file.date, file);
  }
  return pairs;
}

/** The message for a second digest of one day. */
export function sameDayMessage(date: string, other: string): string {
  return `a second digest for ${date}; ${other} has the same date`;
}

/** Finds the digests under `dir`, oldest first, dated by their heading; two files for one day are an error. */
export async function findDigests(dir: string): Promise<DigestFile[]> {
  const files: (DigestFile & { line: number })[] = [];
  for (const path of await listDigestFiles(dir)) {
    const text = await readFile(path, 'utf8');
    files.push({ path, date: dateFromHeading(text) ?? dateFromPath(path) ?? '', line: headingLine(text) });
  }
  const [pair] = sameDay(files);
  if (pair) {
    const [second, first] = pair;
    throw new DigestError(second.path, [{ line: second.line, message: sameDayMessage(second.date, `${first.path}:${first.line}`) }]);
  }
  return files.map(({ path, date }) => ({ path, date })).sort((a, b) => a.date.localeCompare(b.date));
}

/** The digest with the latest date under `dir`, or undefined when there is none. */
export async function findNewestDigest(dir: string): Promise<DigestFile | undefined> {
  return (await findDigests(dir)).at(-1);
}
