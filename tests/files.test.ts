import { mkdir, mkdtemp, readdir, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { removeLeftovers, temporaryPath } from '../src/files.ts';

// A process id that no process has: the temporary files it names were left by a process that is gone.
const GONE = 99999999;

describe('removing the temporary files a killed process left', () => {
  it('removes those of gone processes under the folder, and follows no symbolic link out of it, nor round a loop', async () => {
    const base = await mkdtemp(join(tmpdir(), 'paperboy-leftovers-'));
    const out = join(base, 'out');
    const outside = join(base, 'data');
    await mkdir(join(out, 'issues'), { recursive: true });
    await mkdir(outside);
    await writeFile(join(out, 'issues', `a.html.${GONE}.tmp`), 'half');
    // As a build's writer names them, by a process that is gone.
    await writeFile(temporaryPath(join(out, 'issues', 'b.html')).replace(`.${process.pid}-`, `.${GONE}-`), 'half');
    await writeFile(join(out, `index.html.${process.pid}.tmp`), 'being written');
    await writeFile(join(outside, `keep.db.${GONE}.tmp`), 'not out/s');
    await symlink(outside, join(out, 'issues', 'linked'));
    await symlink(base, join(out, 'loop'));
    await symlink(join(outside, `keep.db.${GONE}.tmp`), join(out, `link.${GONE}.tmp`));

    expect(await removeLeftovers(out)).toBe(2);
    expect((await readdir(join(out, 'issues'))).sort()).toEqual(['linked']);
    expect((await readdir(out)).sort()).toEqual([`index.html.${process.pid}.tmp`, 'issues', `link.${GONE}.tmp`, 'loop']);
    expect(await readdir(outside)).toEqual([`keep.db.${GONE}.tmp`]);
  });
});
