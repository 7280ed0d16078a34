import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The key that signs tokens: PAPERBOY_SECRET when set, else `data/secret`, made on first use. */
export function loadSecret(dataDir: string, configured: string | undefined): string {
  if (configured !== undefined) return configured;
  const path = join(dataDir, 'secret');
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const secret = randomBytes(32).toString('base64url');
    try {
      writeFileSync(path, `${secret}\n`, { mode: 0o600, flag: 'wx' });
      return secret;
    } catch {
      // Another process made it first: theirs is the one.
      return readFileSync(path, 'utf8').trim();
    }
  }
}
