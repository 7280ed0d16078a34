import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openSpool } from '../../src/inbound/spool.ts';
import { paperboy } from '../helpers/cli.ts';
import { readers, testProject } from '../helpers/project.ts';

// The recipients of the messages in the outbox, read from their To header.
async function recipients(outbox: string): Promise<string[]> {
  const files = await readdir(outbox);
  const tos = await Promise.all(files.map(async (file) => /^To: (.*)$/m.exec(await readFile(join(outbox, file), 'utf8'))?.[1] ?? file));
  return tos.sort();
}

describe('subscribers erase', () => {
  it("also removes the messages to the address that dry runs left in out/outbox/, and no one else's", async () => {
    const project = await testProject(readers(3), {}, { built: true });
    const outbox = join(project.env.PAPERBOY_OUT_DIR as string, 'outbox');
    expect((await paperboy(['dispatch', '--dry-run'], { env: project.env })).status).toBe(0);
    expect(await recipients(outbox)).toEqual(['reader1@example.org', 'reader2@example.org', 'reader3@example.org']);

    const erased = await paperboy(['subscribers', 'erase', 'Reader2@example.org'], { env: project.env });
    expect(erased.status).toBe(0);
    expect(erased.stdout).toMatch(
      /^erased Reader2@example\.org: .*; 1 stored message naming it removed \(the outbox, messages the receiver set aside\)\n$/,
    );
    expect(await recipients(outbox)).toEqual(['reader1@example.org', 'reader3@example.org']);
    for (const file of await readdir(outbox)) expect(await readFile(join(outbox, file), 'latin1')).not.toMatch(/reader2@/i);

    // Once more: nothing of theirs is left to remove.
    const again = await paperboy(['subscribers', 'erase', 'reader2@example.org'], { env: project.env });
    expect(again.stdout).toBe('reader2@example.org was not on the list; it is now kept off it (as a keyed hash)\n');
  });

  it('also removes the messages naming the address that the receiver set aside in the data folder', async () => {
    const project = await testProject(readers(2));
    const spool = await openSpool(project.env.PAPERBOY_DATA_DIR as string);
    const message = (from: string) => ({
      envelopeFrom: from,
      recipient: 'papers+unsubscribe@example.org',
      raw: Buffer.from(`From: ${from}\r\nTo: papers+unsubscribe@example.org\r\nSubject: leave\r\n\r\nplease\r\n`),
    });
    const theirs = await spool.setAside(await spool.put(message('Reader1@Example.org')));
    const others = await spool.setAside(await spool.put(message('reader2@example.org')));

    const erased = await paperboy(['subscribers', 'erase', 'reader1@example.org'], { env: project.env });
    expect(erased.status).toBe(0);
    expect(erased.stdout).toContain('; 1 stored message naming it removed');
    await expect(readFile(theirs)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readFile(others, 'utf8')).toContain('reader2@example.org');
  });
});
