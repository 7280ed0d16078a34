import { readFile } from 'node:fs/promises';
import { DigestError, PaperboyError } from '../errors.ts';
import { dateFromPath } from './find.ts';
import type { Digest } from './model.ts';
import { readDigest, type DigestReading } from './parse.ts';

async function readText(path: string, shown: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a digest' : String(error);
    throw new PaperboyError(`${shown}: cannot read: ${why}`, { cause: error });
  }
}

/**
 * Reads a digest file as far as it can, with a warning when its name and heading disagree on the
 * date. Messages name the file as `shown` (the path as the user gave it).
 */
export async function readDigestFile(path: string, shown = path): Promise<DigestReading> {
  const reading = readDigest(await readText(path, shown));
  const named = dateFromPath(path);
  const { digest } = reading;
  if (named !== undefined && digest.date !== '' && named !== digest.date) {
    digest.warnings.unshift({
      line: 1,
      message: `file name says ${named} but the heading says ${digest.date}; the heading wins`,
    });
  }
  return reading;
}

/** Reads a digest file into the model, or throws a `DigestError` naming the file (as `shown`) and line. */
export async function loadDigest(path: string, shown = path): Promise<Digest> {
  const { digest, errors } = await readDigestFile(path, shown);
  if (errors.length > 0) throw new DigestError(shown, errors);
  return digest;
}

