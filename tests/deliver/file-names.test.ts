import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileTransport, messageFileName } from '../../src/deliver/index.ts';

const message = (to: string, messageId: string) => ({
  envelope: { from: 'papers@example.org', to },
  messageId,
  parts: [Buffer.from(`To: ${to}\r\n\r\nhello\r\n`)],
});

describe('files in the outbox', () => {
  it('are named after their recipient, then their Message-ID, in a form safe on any file system', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paperboy-outbox-'));
    const outbox = fileTransport(dir);
    const odd = [
      [
        "o'brien+news/x@example.org",
        'paperboy.2031-02-03.0.1.abc@example.org',
        'o_brien+news_x@example.org--paperboy.2031-02-03.0.1.abc@example.org.eml',
      ],
      ['..hidden@example.org', '<paperboy.confirm.1@example.org>', '_hidden@example.org--paperboy.confirm.1@example.org.eml'],
      ['Ann Lee\\\\"@example.org', 'id with spaces@x', 'Ann_Lee___@example.org--id_with_spaces@x.eml'],
    ];
    for (const [to, id, name] of odd) {
      expect(messageFileName({ envelope: { to: to as string }, messageId: id as string })).toBe(name);
      await outbox.send(message(to as string, id as string));
    }
    expect((await readdir(dir)).sort()).toEqual(odd.map(([, , name]) => name).sort());
    expect(await readFile(join(dir, odd[0]?.[2] as string), 'utf8')).toContain("To: o'brien+news/x@example.org");
    const long = `${'a'.repeat(300)}@example.org`;
    expect(Buffer.byteLength(messageFileName({ envelope: { to: long }, messageId: `${'b'.repeat(300)}@x` }))).toBeLessThan(255);
  });
});
