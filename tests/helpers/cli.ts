import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { main } from '../../src/cli.ts';
import { fixture, root } from './paths.ts';
import { need } from './peers.ts';
import { runTemp } from './temp.ts';

/** What one run of `paperboy` printed and returned. */
export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

let sample: string | undefined;

/**
 * Where a run works unless told otherwise: a project folder of the tests' own, made once per test
 * worker, with the sample digest in `digests/`. Never the clone itself: a test reads none of the
 * user's `digests/`, `out/`, `data/` or `.env`.
 */
export function sampleProject(): string {
  if (sample === undefined) {
    sample = mkdtempSync(join(runTemp(), 'paperboy-sample-'));
    mkdirSync(join(sample, 'digests'));
    copyFileSync(fixture('digests', '2024-10-04.md'), join(sample, 'digests', '2024-10-04.md'));
  }
  return sample;
}

/** What a run is given: its working folder and its PAPERBOY_ settings (nothing else is read). */
export interface RunOptions {
  /** The sample project (`sampleProject()`) by default. */
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
    cwd: options.cwd ?? sampleProject(),
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
  need('processes');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? sampleProject(), env: childEnv(options.env) });
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
