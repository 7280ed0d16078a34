import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commandHint, invocationOf } from '../src/hints.ts';
import { paperboy } from './helpers/cli.ts';
import { testProject } from './helpers/project.ts';

// A folder holding an executable `paperboy`, as `npm install -g` or `npm link` leaves one.
async function folderWithPaperboy(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'paperboy-path-'));
  await writeFile(join(folder, 'paperboy'), '#!/bin/sh\n');
  await chmod(join(folder, 'paperboy'), 0o755);
  return folder;
}

describe('commands suggested in messages', () => {
  it('take the npm form in a clone, where paperboy is on no folder of PATH', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'paperboy-path-'));
    expect(invocationOf(undefined)).toBe('npm run paperboy --');
    expect(invocationOf(`${empty}${delimiter}${join(empty, 'missing')}`)).toBe('npm run paperboy --');
    expect(commandHint(invocationOf(empty), 'preview --date 2024-10-04')).toBe('`npm run paperboy -- preview --date 2024-10-04`');
  });

  it('take the plain form when a folder of PATH holds an executable paperboy, and not when it is not executable', async () => {
    const folder = await folderWithPaperboy();
    expect(invocationOf(`/nonexistent${delimiter}${folder}`)).toBe('paperboy');
    expect(commandHint(invocationOf(folder), 'dns')).toBe('`paperboy dns`');
    await chmod(join(folder, 'paperboy'), 0o644);
    expect(invocationOf(folder)).toBe('npm run paperboy --');
    const inside = join(folder, 'nested');
    await mkdir(join(inside, 'paperboy'), { recursive: true });
    expect(invocationOf(inside)).toBe('npm run paperboy --');
  });

  it('reach the user in the form of their PATH through a command (the settings decide it once)', async () => {
    const project = await testProject([], { PAPERBOY_DKIM_KEY: 'keys/dkim.pem' });
    const path = join(project.base, 'keys', 'dkim.pem');
    const inClone = await paperboy(['dispatch'], { env: project.env, cwd: project.base });
    expect(inClone.stderr).toContain(`${path}: no such file (\`npm run paperboy -- dkim keygen\` writes it)`);
    const installed = await paperboy(['dispatch'], { env: { ...project.env, PATH: await folderWithPaperboy() }, cwd: project.base });
    expect(installed.stderr).toContain(`${path}: no such file (\`paperboy dkim keygen\` writes it)`);
  });
});
