import { readFile } from 'node:fs/promises';
import { DigestError, PaperboyError } from '../errors.ts';
import { dateFromPath } from './find.ts';
import type { Digest } from './model.ts';
import { readDigest, type DigestReading } from './parse.ts';

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a digest' : String(error);
    throw new PaperboyError(`${path}: cannot read: ${why}`, { cause: error });
  }
}

/** Reads a digest file as far as it can, with a warning when its name and heading disagree on the date. */
export async function readDigestFile(path: string): Promise<DigestReading> {
  const reading = readDigest(await readText(path));
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

/** Reads a digest file into the model, or throws a `DigestError` naming the file and line. */
export async function loadDigest(path: string): Promise<Digest> {
  const { digest, errors } = await readDigestFile(path);
  if (errors.length > 0) throw new DigestError(path, errors);
  return digest;
}

