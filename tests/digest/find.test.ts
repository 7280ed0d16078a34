import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findDigests, findNewestDigest } from '../../src/digest/index.ts';
import { DigestError } from '../../src/errors.ts';

const digest = (date: string) => `## Papers for ${date}\n\n| Title | Authors | Summary |\n|---|---|---|\n`;

async function folder(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'paperboy-find-'));
  for (const [name, text] of Object.entries(files)) {
    await mkdir(join(dir, name, '..'), { recursive: true });
    await writeFile(join(dir, name), text);
  }
  return dir;
}

describe('finding digests', () => {
  it('finds flat and nested files, oldest first, and ignores other files', async () => {
    const dir = await folder({
      '2024-10-04.md': digest('2024-10-04'),
      '2025/03/11.md': digest('2025-03-11'),
      '2024/12/26.md': digest('2024-12-26'),
      'README.md': '# not a digest',
      'notes/2024-13.md': 'nope',
    });
    expect((await findDigests(dir)).map((d) => [d.date, d.path.slice(dir.length + 1)])).toEqual([
      ['2024-10-04', '2024-10-04.md'],
      ['2024-12-26', join('2024', '12', '26.md')],
      ['2025-03-11', join('2025', '03', '11.md')],
    ]);
    expect((await findNewestDigest(dir))?.date).toBe('2025-03-11');
  });

  it('dates a file by its heading, not its name', async () => {
    const dir = await folder({ '2030-01-01.md': digest('2020-05-05'), '2021-01-01.md': digest('2021-01-01') });
    expect((await findNewestDigest(dir))?.date).toBe('2021-01-01');
  });

  it('refuses two files for one day, naming both', async () => {
    const dir = await folder({ '2024-10-04.md': digest('2024-10-04'), '2024/10/04.md': digest('2024-10-04') });
    const error = await findDigests(dir).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DigestError);
    expect((error as Error).message).toContain('2024-10-04.md');
    expect((error as Error).message).toContain(join('2024', '10', '04.md'));
  });

  it('answers undefined for an empty folder and a clear error for a missing one', async () => {
    expect(await findNewestDigest(await folder({}))).toBeUndefined();
    await expect(findDigests('/nonexistent/paperboy')).rejects.toThrow('/nonexistent/paperboy: cannot read: no such folder');
  });
});
