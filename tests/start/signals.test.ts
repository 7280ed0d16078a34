import { execFileSync, spawn } from 'node:child_process';
import { copyFile, mkdtemp, symlink } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, childEnv, paperboy } from '../helpers/cli.ts';
import { root } from '../helpers/paths.ts';
import { has } from '../helpers/peers.ts';
import { testProject } from '../helpers/project.ts';

const NEVER = '0 0 1 1 *';

// Whether something listens on the port.
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

// Every process whose parent is `pid`, and theirs, and so on.
function descendants(pid: number): number[] {
  const rows = execFileSync('ps', ['-A', '-o', 'pid=,ppid=']).toString().trim().split('\n');
  const pairs = rows.map((row) => row.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  for (let parents = [pid]; parents.length > 0; ) {
    parents = pairs.filter(([, ppid]) => parents.includes(ppid)).map(([child]) => child);
    found.push(...parents);
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// Runs a command until `ready` holds on what it printed, then sends SIGTERM after `delayMs`; resolves
// with how it ended and what it printed.
function stopWhen(
  command: string,
  args: string[],
  options: { cwd: string; env: Record<string, string> },
  ready: (printed: string) => boolean,
  delayMs = 0,
) {
  const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let printed = '';
  let sent = false;
  let family: number[] = [];
  const look = (chunk: Buffer) => {
    printed += chunk.toString();
    if (sent || !ready(printed)) return;
    sent = true;
    setTimeout(() => {
      family = descendants(child.pid as number);
      child.kill('SIGTERM');
    }, delayMs);
  };
  child.stdout.on('data', look);
  child.stderr.on('data', look);
  const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; printed: string; family: number[] }>((resolve) => {
    child.on('exit', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, printed, family });
    });
  });
}

describe.runIf(has('processes'))('a stop asked for while paperboy start is starting', () => {
  it('ends it cleanly with exit 0, wherever in its start-up the SIGTERM lands', async () => {
    // A setting that does not exist is warned about as the settings are read: start-up is under way.
    const project = await testProject([], {
      PAPERBOY_PORT: '0',
      PAPERBOY_HOST: '127.0.0.1',
      PAPERBOY_SCHEDULE: NEVER,
      PAPERBOY_STARTING_UP: '1',
    });
    const warned = (printed: string) => printed.includes('PAPERBOY_STARTING_UP is not a setting');
    const runs = await Promise.all(
      [0, 50, 200, 600].map((delayMs) =>
        stopWhen(process.execPath, [BIN, 'start'], { cwd: project.base, env: childEnv(project.env) }, warned, delayMs),
      ),
    );
    for (const run of runs) {
      expect({ code: run.code, signal: run.signal }, run.printed).toEqual({ code: 0, signal: null });
      expect(run.printed).not.toMatch(/\n\s+at /);
      const port = /listening on 127\.0\.0\.1:(\d+)/.exec(run.printed)?.[1];
      if (port !== undefined) expect(await listening(Number(port))).toBe(false);
    }
  }, 120_000);
});

describe('paperboy start run in-process', () => {
  it('listens for no signal once it has ended, also when it could not start', async () => {
    const listeners = () => [process.listenerCount('SIGTERM'), process.listenerCount('SIGINT')];
    const before = listeners();
    const project = await testProject([], { PAPERBOY_PORT: '0', PAPERBOY_HOST: '127.0.0.1', PAPERBOY_SCHEDULE: NEVER });
    const failed = await paperboy(['start'], { env: { ...project.env, PAPERBOY_DIGESTS_DIR: join(project.base, 'missing') } });
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(/no such folder/);
    expect(listeners()).toEqual(before);
    const stop = new AbortController();
    stop.abort();
    expect((await paperboy(['start'], { env: project.env, signal: stop.signal })).status).toBe(0);
    expect(listeners()).toEqual(before);
  });
});

// A copy of the project to run `npm start` in: its own package.json and dist/, the sources and
// packages linked, so compiling there leaves this checkout's dist/ alone.
async function npmProject(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'paperboy-npm-'));
  for (const file of ['package.json', 'tsconfig.json', 'tsconfig.build.json']) await copyFile(join(root, file), join(dir, file));
  for (const folder of ['src', 'templates', 'node_modules']) await symlink(join(root, folder), join(dir, folder));
  return dir;
}

describe.runIf(has('processes'))('npm start', () => {
  it('hands SIGTERM to paperboy itself: everything stops, the port closes, nothing is left, exit 0', async () => {
    const project = await testProject([], { PAPERBOY_PORT: '0', PAPERBOY_HOST: '127.0.0.1', PAPERBOY_SCHEDULE: NEVER });
    const dir = await npmProject();
    // npm's own settings from the run that started these tests would send it elsewhere.
    const env = Object.fromEntries(Object.entries(childEnv(project.env)).filter(([key]) => !/^npm_/i.test(key)));
    const run = await stopWhen('npm', ['start'], { cwd: dir, env }, (printed) => /listening on 127\.0\.0\.1:\d+/.test(printed));
    const left = run.family.filter(alive);
    for (const pid of left) process.kill(pid, 'SIGKILL');
    expect({ code: run.code, signal: run.signal }, run.printed).toEqual({ code: 0, signal: null });
    expect(run.printed).toMatch(/paperboy is running/);
    expect(run.family.length).toBeGreaterThan(0);
    // The program's own stop was run, not a kill of the shell around it.
    expect(run.printed).toMatch(/"event":"stopped"/);
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(run.printed)?.[1]);
    expect(await listening(port)).toBe(false);
    expect(left).toEqual([]);
  }, 120_000);
});
