import { cp, mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { childEnv, spawnPaperboy } from '../helpers/cli.ts';
import { fixture, root } from '../helpers/paths.ts';
import { has } from '../helpers/peers.ts';

describe.runIf(has('processes'))('the paperboy binary', () => {
  it('prints its help and exits 0; an unknown command or option exits 2', async () => {
    const help = await spawnPaperboy(['--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: paperboy /);
    for (const name of ['parse', 'check', 'build', 'dispatch', 'subscribers', 'serve', 'start', 'status', 'inbound', 'bench'])
      expect(help.stdout).toContain(`  ${name}`);
    expect((await spawnPaperboy(['no-such-command'])).status).toBe(2);
    expect((await spawnPaperboy(['build', '--bogus'])).status).toBe(2);
  });

  it('says what is wrong with a broken digest in one line, without a stack trace, and exits 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paperboy-bin-'));
    await writeFile(join(dir, 'broken.md'), '## Papers for 2031-02-30\n');
    const run = await spawnPaperboy(['parse', 'broken.md'], { cwd: dir });
    expect(run.status).toBe(1);
    expect(run.stderr).toBe(
      'broken.md:1: "2031-02-30" in the heading is not a date (expected YYYY-MM-DD)\nbroken.md:1: no table after the heading\n',
    );
  });

  it('runs as `node dist/cli.js` from a folder whose path has spaces, and through a symbolic link', async () => {
    const base = await mkdtemp(join(tmpdir(), 'paperboy with spaces '));
    const project = join(base, 'my project');
    await mkdir(project);
    await symlink(join(root, 'dist'), join(project, 'dist'));
    await symlink(join(root, 'node_modules'), join(project, 'node_modules'));
    await cp(join(root, 'package.json'), join(project, 'package.json'));
    await mkdir(join(project, 'digests'));
    await cp(fixture('digests', '2024-10-04.md'), join(project, 'digests', '2024-10-04.md'));
    const run = spawnSync(process.execPath, [join(project, 'dist', 'cli.js'), 'check'], {
      cwd: project,
      env: childEnv(),
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toMatch(/^2024-10-04 {2}digests\/2024-10-04\.md: \d+ papers/);
    const linked = join(base, 'paperboy-link.js');
    await symlink(join(root, 'bin', 'paperboy.js'), linked);
    const viaLink = spawnSync(process.execPath, [linked, 'check'], { cwd: project, env: childEnv(), encoding: 'utf8' });
    expect(viaLink.status).toBe(0);
    expect(viaLink.stdout).toBe(run.stdout);
  });
});
