import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paperboy } from '../helpers/cli.ts';
import { readers, testProject } from '../helpers/project.ts';

// The recipients of the messages in the outbox, read from their To header.
async function recipients(outbox: string): Promise<string[]> {
  const files = await readdir(outbox);
  const tos = await Promise.all(files.map(async (file) => /^To: (.*)$/m.exec(await readFile(join(outbox, file), 'utf8'))?.[1] ?? file));
  return tos.sort();
}

describe('subscribers erase', () => {
  it('also removes the messages to the address that dry runs left in out/outbox/, and no one else\'s', async () => {
    const project = await testProject(readers(3));
    const outbox = join(project.env.PAPERBOY_OUT_DIR as string, 'outbox');
    expect((await paperboy(['dispatch', '--dry-run'], { env: project.env })).status).toBe(0);
    expect(await recipients(outbox)).toEqual(['reader1@example.org', 'reader2@example.org', 'reader3@example.org']);

    const erased = await paperboy(['subscribers', 'erase', 'Reader2@example.org'], { env: project.env });
    expect(erased.status).toBe(0);
    expect(erased.stdout).toMatch(/^erased Reader2@example\.org: .*; 1 message to it removed from the outbox\n$/);
    expect(await recipients(outbox)).toEqual(['reader1@example.org', 'reader3@example.org']);
    for (const file of await readdir(outbox)) expect(await readFile(join(outbox, file), 'latin1')).not.toMatch(/reader2@/i);

    // Once more: nothing of theirs is left to remove.
    const again = await paperboy(['subscribers', 'erase', 'reader2@example.org'], { env: project.env });
    expect(again.stdout).toBe('reader2@example.org was not on the list; it is now kept off it (as a keyed hash)\n');
  });
});
