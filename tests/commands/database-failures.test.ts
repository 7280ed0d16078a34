import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, open, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, childEnv, paperboy, type Run } from '../helpers/cli.ts';
import { has } from '../helpers/peers.ts';

const SECRET = '0123456789abcdef0123456789abcdef';

// A data folder under `base` with a list of one, and the settings that point at it.
async function project(base: string) {
  const env = { PAPERBOY_DATA_DIR: join(base, 'data'), PAPERBOY_OUT_DIR: join(base, 'out'), PAPERBOY_SECRET: SECRET };
  expect((await paperboy(['subscribers', 'add', 'kept@example.org', '--confirmed'], { env })).status).toBe(0);
  const csv = join(await mkdtemp(join(tmpdir(), 'paperboy-csv-')), 'list.csv');
  await writeFile(csv, `email\n${Array.from({ length: 2000 }, (_, i) => `reader${i}@example.org`).join('\n')}\n`);
  return { env, db: join(base, 'data', 'paperboy.db'), csv };
}

// The four commands that touch the list, each with what it needs.
const commands = (csv: string) => [
  ['subscribers', 'add', 'new@example.org', '--confirmed'],
  ['subscribers', 'import', csv, '--confirmed'],
  ['subscribers', 'erase', 'kept@example.org'],
  ['subscribers', 'list'],
];

// One line naming the database file and the cause, no stack trace.
function saysInOneLine(run: Run, db: string, cause: RegExp): void {
  expect(run.status, run.stderr).toBe(1);
  const lines = run.stderr.split('\n').filter(Boolean);
  expect(lines, run.stderr).toHaveLength(1);
  expect(lines[0]?.startsWith(`${db}: `), run.stderr).toBe(true);
  expect(lines[0]).toMatch(cause);
}

const escaped = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('a database file that is not one', () => {
  it('is said to be damaged in one line, by every command on the list', async () => {
    const base = await mkdtemp(join(tmpdir(), 'paperboy-damaged-'));
    const { env, db, csv } = await project(base);
    await writeFile(db, 'this is not a database\n'.repeat(500));
    for (const args of commands(csv)) {
      saysInOneLine(await paperboy(args, { env }), db, /: the file is damaged, or is not a paperboy database \[SQLITE_NOTADB\]$/);
    }
  });
});

// Runs the real binary with its files capped at `blocks` (the shell's `ulimit -f`): past that, a
// write fails as a failing disk's would.
function withFileSizeLimit(blocks: number, args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve, reject) => {
    const command = `ulimit -f ${blocks} && exec "$0" "$@"`;
    const child = spawn('sh', ['-c', command, process.execPath, BIN, ...args], { env: childEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

describe.runIf(has('processes'))('a disk that fails to write', () => {
  it('is an I/O error said in one line naming the database; nothing is half-written', async () => {
    const base = await mkdtemp(join(tmpdir(), 'paperboy-ioerr-'));
    const { env, db, csv } = await project(base);
    for (const args of commands(csv).slice(0, 3)) {
      saysInOneLine(
        await withFileSizeLimit(1, args, env),
        db,
        /: an I\/O error: the disk or the file system failed .*\[SQLITE_IOERR\w*\]$/,
      );
    }
    const list = await withFileSizeLimit(1, ['subscribers', 'list'], env);
    if (list.status !== 0) saysInOneLine(list, db, /: an I\/O error: .*\[SQLITE_IOERR\w*\]$/);
    expect((await paperboy(['subscribers', 'list'], { env })).stdout).toBe('kept@example.org\tconfirmed\tdaily\tall topics\n');
  });
});

// A small file system of its own, to fill up or make read-only: where this process may mount one (root).
function smallDisk(dir: string): boolean {
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const disk = await mkdtemp(join(tmpdir(), 'paperboy-small-disk-'));
const mounted = has('tmpfs') && smallDisk(disk);
afterAll(() => {
  if (mounted) execFileSync('umount', [disk]);
});

// Where the peers say a tmpfs can be mounted (in CI they must): these run, and fail if it cannot.
describe.runIf(has('tmpfs'))('on a small disk of its own', () => {
  it('full: add, import and erase say so in one line naming the database and change nothing; list still lists', async () => {
    const { env, db, csv } = await project(join(disk, 'full'));
    const full = new RegExp(`^${escaped(db)}: the disk is full; free some space and run it again \\(nothing was half-written\\)`);
    const filler = await open(join(disk, 'filler'), 'w');
    try {
      try {
        for (const block = Buffer.alloc(4096); ; ) await filler.write(block);
      } catch (error) {
        expect((error as NodeJS.ErrnoException).code).toBe('ENOSPC');
      }
      for (const args of commands(csv).slice(0, 3)) saysInOneLine(await paperboy(args, { env }), db, full);
      // Reading needs room too when SQLite must first make its shared-memory file.
      const list = await paperboy(['subscribers', 'list'], { env });
      if (list.status === 0) expect(list.stdout).toBe('kept@example.org\tconfirmed\tdaily\tall topics\n');
      else saysInOneLine(list, db, full);
    } finally {
      await filler.close();
      execFileSync('rm', [join(disk, 'filler')]);
    }
    expect((await paperboy(['subscribers', 'list'], { env })).stdout).toBe('kept@example.org\tconfirmed\tdaily\tall topics\n');
  });

  it('read-only: every command on the list says so in one line naming the database', async () => {
    const { env, db, csv } = await project(join(disk, 'read-only'));
    execFileSync('mount', ['-o', 'remount,ro', disk]);
    try {
      for (const args of commands(csv)) saysInOneLine(await paperboy(args, { env }), db, /read-only/);
    } finally {
      execFileSync('mount', ['-o', 'remount,rw', disk]);
    }
  });
});
