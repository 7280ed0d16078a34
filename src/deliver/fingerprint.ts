import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { IssueToSend } from '../site/index.ts';

/** What shapes an issue's messages besides the issue itself: the program, its templates, the message settings. */
export interface MessageShape {
  version: string;
  /** The templates folder: every file in it counts, by name and bytes. */
  templatesDir: string;
  /** The settings a message is made from (sender, site, signing keys' selectors), as plain data. */
  settings: unknown;
}

// Every file under a folder, by path relative to it, in a fixed order.
async function filesUnder(dir: string, under = ''): Promise<string[]> {
  const entries = await readdir(join(dir, under), { withFileTypes: true }).catch(() => []);
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = under === '' ? entry.name : `${under}/${entry.name}`;
    if (entry.isDirectory()) files.push(...(await filesUnder(dir, path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/**
 * The fingerprint of what shapes a round's messages: the program's version, the issue (its papers
 * and its rendered email), the templates' bytes and the message settings. Two senders whose
 * fingerprints agree build byte-identical messages for the round; one whose differs leaves it alone.
 */
export async function messageFingerprint(issue: IssueToSend, shape: MessageShape): Promise<string> {
  const hash = createHash('sha256');
  const field = (name: string, value: string | Buffer) => {
    hash.update(`${name}\0${value.length}\0`);
    hash.update(value);
  };
  field('version', shape.version);
  field('issue', issue.id);
  field('digest', JSON.stringify(issue.digest));
  field('label', issue.label ?? '');
  for (const part of ['text', 'html'] as const)
    for (const piece of issue.email.pieces[part]) field(part, typeof piece === 'string' ? piece : `{${piece.placeholder}}`);
  for (const file of await filesUnder(shape.templatesDir)) field(`template ${file}`, await readFile(join(shape.templatesDir, file)));
  field('settings', JSON.stringify(shape.settings));
  return hash.digest('hex');
}
