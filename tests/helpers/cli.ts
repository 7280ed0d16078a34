import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { root } from './paths.ts';

/** What one run of the real `paperboy` binary printed and returned. */
export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `bin/paperboy.js` in a child process, in `cwd`, with only the given PAPERBOY_ settings. */
export function paperboy(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Run {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('PAPERBOY_')) env[key] = value;
  const result = spawnSync(process.execPath, [join(root, 'bin', 'paperboy.js'), ...args], {
    cwd: options.cwd ?? root,
    env: { ...env, ...options.env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Like `paperboy`, without blocking this process: for runs that talk to a server this process hosts. */
export function paperboyAsync(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('PAPERBOY_')) env[key] = value;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, 'bin', 'paperboy.js'), ...args], { cwd: options.cwd ?? root, env: { ...env, ...options.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
