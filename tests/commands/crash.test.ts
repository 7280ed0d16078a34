import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/index.ts';
import { paperboy } from '../helpers/cli.ts';
import { has } from '../helpers/peers.ts';
import { readers, testProject } from '../helpers/project.ts';

// The id of no running process: the highest free one below Linux's largest.
function deadPid(): number {
  for (let pid = 4_194_303; pid > 1; pid--) {
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return pid;
    }
  }
  throw new Error('no free process id');
}

async function tmpFiles(dir: string): Promise<string[]> {
  return ((await readdir(dir, { recursive: true }).catch(() => [])) as string[]).filter((name) => name.endsWith('.tmp'));
}

describe('after a crash', () => {
  it('status flags a dispatch lock whose holder is gone, and the next run cleans temporary files left behind', async () => {
    const project = await testProject(readers(2));
    const pid = deadPid();
    const db = openDatabase(project.env.PAPERBOY_DATA_DIR as string);
    const stamp = new Date().toISOString();
    db.prepare("INSERT INTO locks (name, pid, host, acquired_at, heartbeat_at, nonce) VALUES ('dispatch', ?, ?, ?, ?, 'x')").run(
      pid,
      hostname(),
      stamp,
      stamp,
    );
    db.close();
    const status = await paperboy(['status'], { env: project.env });
    expect(status.stdout).not.toContain('dispatch running');
    expect(status.stdout).toContain(`the dispatch lock is held by process ${pid} on ${hostname()}, which is gone`);

    const out = project.env.PAPERBOY_OUT_DIR as string;
    await mkdir(join(out, 'outbox'), { recursive: true });
    await mkdir(join(out, 'issues'), { recursive: true });
    await writeFile(join(out, 'outbox', `paperboy.2031-02-03.0.1@example.org.eml.${pid}.tmp`), 'half a message');
    await writeFile(join(out, 'issues', `2031-02-03.html.${pid}-0badf00d.tmp`), 'half a page');
    expect((await paperboy(['dispatch'], { env: project.env })).status).toBe(0);
    expect(await tmpFiles(out)).toEqual([]);
    expect((await paperboy(['status'], { env: project.env })).stdout).not.toContain('which is gone');
  });
});

// A small file system of its own, to fill up; only where this process may mount one (root).
describe.runIf(has('tmpfs'))('on a full disk', () => {
  let disk = '';
  beforeAll(async () => {
    disk = await mkdtemp(join(tmpdir(), 'paperboy-full-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96k', 'tmpfs', disk], { stdio: 'ignore' });
  });
  afterAll(() => {
    if (disk) execFileSync('umount', [disk]);
  });

  it('build and dispatch stop with one line that says so, and leave nothing half-written', async () => {
    const project = await testProject(readers(40), { PAPERBOY_OUT_DIR: disk });
    const build = await paperboy(['build'], { env: project.env });
    expect(build.status).toBe(1);
    expect(build.stderr).toMatch(/^\S+: cannot write: the disk is full; free some space and run it again \(nothing was half-written\)\n$/);
    expect(await tmpFiles(disk)).toEqual([]);
    const dispatch = await paperboy(['dispatch', '--dry-run'], { env: project.env });
    expect(dispatch.status).toBe(1);
    expect(dispatch.stderr).toMatch(/the disk is full/);
    expect(await tmpFiles(disk)).toEqual([]);
  });
});
