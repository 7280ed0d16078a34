import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import addressparser from 'nodemailer/lib/addressparser';
import { addressKey } from '../subscribers/index.ts';
import { namesToClean, writeError } from '../files.ts';
import { headerFields } from '../header-fields.ts';

// A message's header section ends well before this; what is not found in it is not looked for.
const HEADER_LIMIT = 1024 * 1024;

// The header section of a message file: its bytes up to the first empty line.
async function headerOf(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const chunks: Buffer[] = [];
    let length = 0;
    for (;;) {
      const { bytesRead, buffer } = await handle.read({ buffer: Buffer.alloc(16 * 1024) });
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      length += bytesRead;
      const text = Buffer.concat(chunks).toString('utf8');
      const end = text.search(/\r?\n\r?\n/);
      if (end >= 0) return text.slice(0, end);
      if (length >= HEADER_LIMIT) return text;
    }
    return Buffer.concat(chunks).toString('utf8');
  } finally {
    await handle.close();
  }
}

// The addresses a message's `To` header names, each in the form addresses are compared in.
function recipientsOf(header: string): string[] {
  return headerFields(header)
    .filter((field) => field.name === 'to')
    .flatMap((field) => addressparser(field.value, { flatten: true }))
    .map((mailbox) => addressKey(mailbox.address));
}

/**
 * Removes from the outbox folder every message whose `To` header names `email`, whatever the file
 * is called (a message half-written by a process that died included); says how many.
 */
export async function removeMessagesTo(dir: string, email: string): Promise<number> {
  const key = addressKey(email);
  let removed = 0;
  for (const name of await namesToClean(dir)) {
    const path = join(dir, name);
    let header: string;
    try {
      header = await headerOf(path);
    } catch (error) {
      // Gone meanwhile, or not a file: nothing of theirs to remove there.
      if (['ENOENT', 'EISDIR'].includes((error as NodeJS.ErrnoException).code ?? '')) continue;
      throw writeError(path, error);
    }
    if (!recipientsOf(header).includes(key)) continue;
    await rm(path, { force: true }).catch((error: unknown) => {
      throw writeError(path, error);
    });
    removed++;
  }
  return removed;
}
