import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paperboy } from '../helpers/cli.ts';
import { fixture } from '../helpers/paths.ts';

const broken = '## Papers for 2024-02-03\n\n| Title | Authors | Summary | Link |\n|---|---|---|---|\n| T | A | S |\n';

async function folderWith(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'paperboy-cli-'));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  return dir;
}

describe('paperboy parse', () => {
  it('prints the model with --json', async () => {
    const run = await paperboy(['parse', fixture('digests', 'four-columns.md'), '--json']);
    expect(run.status).toBe(0);
    const model = JSON.parse(run.stdout);
    expect(Object.keys(model)).toEqual(['date', 'papers', 'warnings']);
    expect(model.date).toBe('2031-01-05');
    expect(Object.keys(model.papers[0])).toEqual(['arxivId', 'url', 'title', 'authors', 'summary', 'points', 'tags', 'links']);
  });

  it('prints a summary a person can read', async () => {
    const run = await paperboy(['parse', 'digests/2024-10-04.md']);
    expect(run.status).toBe(0);
    expect(run.stdout.split('\n')[0]).toBe('digests/2024-10-04.md: 2024-10-04, 12 papers, 0 warnings');
    expect(run.stdout).toContain('2410.02740 Revisit Large-Scale Image-Caption Data in Pre-training Multimodal Foundation Models');
  });

  it('refuses a broken digest with file:line and no stack, exit 1', async () => {
    const dir = await folderWith({ '2024-02-03.md': broken });
    const run = await paperboy(['parse', join(dir, '2024-02-03.md')]);
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(`${join(dir, '2024-02-03.md')}:5: row has 3 cells, expected 4`);
    expect(run.stdout).toBe('');
  });

  it('exits 2 on bad usage', async () => {
    expect((await paperboy(['parse'])).status).toBe(2);
    expect((await paperboy(['parse', 'x.md', '--bogus'])).status).toBe(2);
    expect((await paperboy(['no-such-command'])).status).toBe(2);
  });
});

describe('paperboy check', () => {
  it('lists each digest and a summary line, exit 0 when all read', async () => {
    const files: Record<string, string> = {};
    for (const name of await readdir(fixture('digests'))) {
      const text = await readFile(fixture('digests', name), 'utf8');
      files[`${/Papers for (\S+)/.exec(text)?.[1]}.md`] = text;
    }
    const run = await paperboy(['check', await folderWith(files)]);
    expect(run.status).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines.at(-1)).toMatch(/^6 digests, 26 papers, \d+ warnings, 0 errors$/);
    expect(run.stdout).toMatch(
      /2031-01-21 {2}\S+2031-01-21\.md: 0 papers, 1 warning\n {2}\S+2031-01-21\.md:5: warning: the digest has no papers/,
    );
  });

  it('reads the default folder when none is given', async () => {
    const run = await paperboy(['check']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('2024-10-04  digests/2024-10-04.md: 12 papers');
  });

  it('exits 1 and names the place when a digest is broken or two share a date', async () => {
    const dir = await folderWith({
      '2024-02-03.md': broken,
      '2024-02-04.md': '## Papers for 2024-02-05\n\n| Title | Authors | Summary |\n|---|---|---|\n',
      '2024-02-05.md': '## Papers for 2024-02-05\n\n| Title | Authors | Summary |\n|---|---|---|\n',
    });
    const run = await paperboy(['check', dir]);
    expect(run.status).toBe(1);
    expect(run.stdout).toContain(`${join(dir, '2024-02-03.md')}:5: error: row has 3 cells, expected 4`);
    expect(run.stdout).toContain(`a second digest for 2024-02-05; ${join(dir, '2024-02-04.md')} has the same date`);
    expect(run.stdout.trim().split('\n').at(-1)).toBe('3 digests, 0 papers, 3 warnings, 3 errors in 3 files');
  });

  it('prints the models with path and errors under --json', async () => {
    const dir = await folderWith({ '2024-02-03.md': broken });
    const run = await paperboy(['check', dir, '--json']);
    expect(run.status).toBe(1);
    const [item] = JSON.parse(run.stdout);
    expect(item.path).toBe(join(dir, '2024-02-03.md'));
    expect(item.date).toBe('2024-02-03');
    expect(item.errors).toEqual([{ line: 5, message: 'row has 3 cells, expected 4' }]);
  });

  it('says so when the folder does not exist', async () => {
    const run = await paperboy(['check', '/nonexistent/paperboy']);
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe('/nonexistent/paperboy: cannot read: no such folder');
  });

  it('says in words what is wrong with a path that is no digest, a folder that is a file, a list that is a folder', async () => {
    const dir = await folderWith({ '2024-02-03.md': broken });
    const file = join(dir, '2024-02-03.md');
    const runs = [await paperboy(['parse', dir]), await paperboy(['parse', join(dir, 'missing.md')]), await paperboy(['check', file])];
    const data = await folderWith({});
    runs.push(await paperboy(['subscribers', 'import', dir], { env: { PAPERBOY_DATA_DIR: data } }));
    expect(runs.map((r) => [r.status, r.stderr])).toEqual([
      [1, `${dir}: cannot read: is a folder, not a file\n`],
      [1, `${join(dir, 'missing.md')}: cannot read: no such file\n`],
      [1, `${file}: cannot read: not a folder\n`],
      [1, `${dir}: cannot read: is a folder, not a file\n`],
    ]);
  });

  it('stops with a message naming a bad setting', async () => {
    const run = await paperboy(['check'], { env: { PAPERBOY_PORT: 'eighty' } });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('PAPERBOY_PORT: must be a port number (got "eighty")');
  });
});
