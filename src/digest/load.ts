import { readFile } from 'node:fs/promises';
import { DigestError, PaperboyError } from '../errors.ts';
import { fileProblem } from '../files.ts';
import { dateFromPath } from './find.ts';
import type { Digest } from './model.ts';
import { readDigest, type DigestReading } from './parse.ts';

// The first line holding bytes that are not UTF-8, if any.
function badUtf8Line(bytes: Buffer): number | undefined {
  const strict = new TextDecoder('utf-8', { fatal: true });
  try {
    strict.decode(bytes);
    return undefined;
  } catch {
    let line = 1;
    let start = 0;
    for (let i = 0; i <= bytes.length; i++) {
      if (i < bytes.length && bytes[i] !== 0x0a) continue;
      try {
        strict.decode(bytes.subarray(start, i));
      } catch {
        return line;
      }
      line++;
      start = i + 1;
    }
    return line;
  }
}

async function readText(path: string, shown: string): Promise<{ text: string; badLine: number | undefined }> {
  try {
    const bytes = await readFile(path);
    return { text: bytes.toString('utf8'), badLine: badUtf8Line(bytes) };
  } catch (error) {
    throw new PaperboyError(`${shown}: cannot read: ${fileProblem(error)}`, { cause: error });
  }
}

/**
 * Reads a digest file as far as it can, with a warning when its name and heading disagree on the
 * date. Messages name the file as `shown` (the path as the user gave it).
 */
export async function readDigestFile(path: string, shown = path): Promise<DigestReading> {
  const { text, badLine } = await readText(path, shown);
  const reading = readDigest(text);
  const named = dateFromPath(path);
  const { digest } = reading;
  if (badLine !== undefined) {
    digest.warnings.push({ line: badLine, message: 'the file is not valid UTF-8 here; the bytes that are not were read as "\uFFFD"' });
    digest.warnings.sort((a, b) => a.line - b.line);
  }
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
