import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { main } from '../../src/cli.ts';
import { root } from './paths.ts';

/** What one run of `paperboy` printed and returned. */
export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** What a run is given: its working folder and its PAPERBOY_ settings (nothing else is read). */
export interface RunOptions {
  cwd?: string;
  env?: Record<string, string>;
  signal?: AbortSignal;
  /** For a child process: how long it may run before it is killed (its status is then null); 120 s by default. */
  timeoutMs?: number;
}

/** Runs the command line in this process, as `main(argv, { env, cwd, output })`: fast, and what most tests use. */
export async function paperboy(args: readonly string[], options: RunOptions = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const line = (text: string) => (text.endsWith('\n') ? text : `${text}\n`);
  const status = await main(args, {
    env: options.env ?? {},
    cwd: options.cwd ?? root,
    output: { out: (text) => (stdout += line(text)), err: (text) => (stderr += line(text)) },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { status, stdout, stderr };
}

/** The environment of a child: this one's, without any PAPERBOY_ setting, then the given ones. */
export function childEnv(settings: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !key.startsWith('PAPERBOY_')) env[key] = value;
  return { ...env, ...settings };
}

/** The installed command, `bin/paperboy.js`, which runs the compiled program in dist/. */
export const BIN = join(root, 'bin', 'paperboy.js');

/** Runs the real binary in a child process: for exit codes, signals and what a user's shell sees. */
export function spawnPaperboy(args: readonly string[], options: RunOptions = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? root, env: childEnv(options.env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
